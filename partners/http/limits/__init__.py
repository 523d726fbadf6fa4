"""Concurrency caps and circuit breakers that hold across every process calling partners.

A merchandiser sets `max_concurrent_requests` for a partner; web and worker processes together
must never send it more. Each call therefore leases one of the partner's slots from a store all
processes share, and gives it back when it ends. A lease expires (connect + read timeout plus a
margin: `admission.lease_seconds`), so a slot held by a process that was killed comes back on
its own. A call that finds every slot taken waits, up to its attempt's deadline.

The circuit breaker (`circuit.py`) is shared the same way: failures from every process count
towards opening it, and one probe in all of them tests a partner that was down.

The store is chosen by `PARTNER_LIMITS_BACKEND`: `database` (`in_database.py`; the demo and the
tests, where web and worker share the database) or `redis` (`in_redis.py`, at
`PARTNER_LIMITS_REDIS_URL`). ADR 0013 explains the choice, the lease and the cost.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings

from partners.http.limits.admission import (
    CircuitRefused,
    LimitsRefusal,
    LimitsUnavailable,
    PartnerLimits,
    Permit,
    SlotsBusy,
    lease_seconds,
)
from partners.http.limits.circuit import BreakerPolicy, Circuit, CircuitState
from partners.http.limits.in_database import DatabaseLimits
from partners.http.limits.in_redis import RedisLimits

__all__ = [
    "BreakerPolicy",
    "Circuit",
    "CircuitRefused",
    "CircuitState",
    "DatabaseLimits",
    "LimitsRefusal",
    "LimitsUnavailable",
    "PartnerLimits",
    "Permit",
    "RedisLimits",
    "SlotsBusy",
    "lease_seconds",
    "partner_limits_build",
]


def partner_limits_build(
    *, policy: BreakerPolicy | None = None, clock: Callable[[], float] = time.time
) -> PartnerLimits:
    """The backend the settings choose. Build one per process and share it (the HTTP client
    does): the Redis backend holds a connection pool."""
    if settings.PARTNER_LIMITS_BACKEND == "redis":
        return RedisLimits(
            settings.PARTNER_LIMITS_REDIS_URL,
            prefix=settings.PARTNER_LIMITS_REDIS_PREFIX,
            policy=policy,
            clock=clock,
        )
    return DatabaseLimits(policy=policy, clock=clock)
