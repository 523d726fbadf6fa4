"""Admission, the same for every backend: a leased slot under the partner's cap, the circuit's
leave to call, a bounded wait when every slot is taken, and the permit that ends the call.

A backend (database or Redis) implements five small primitives; the rules live here and in
`circuit.py`, so both backends behave alike and one set of tests runs against each.
"""

from __future__ import annotations

import logging
import random
import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from enum import Enum
from types import TracebackType
from typing import TypeVar

from partners.http.connection import PartnerConnection
from partners.http.limits.circuit import Admission, BreakerPolicy, Circuit

logger = logging.getLogger("partners.http.limits")

# Added to a lease beyond the longest an attempt may take: the work between the exchange's end
# and the slot's return, a stalled process, and clocks that differ slightly between hosts.
LEASE_MARGIN_SECONDS = 2.0
# Waits between tries for a slot: doubling, jittered, never past the caller's deadline.
FIRST_WAIT_SECONDS = 0.005
LONGEST_WAIT_SECONDS = 0.05

T = TypeVar("T")


def lease_seconds(connection: PartnerConnection) -> float:
    """How long a slot stays taken if its holder never gives it back (its process died): the
    longest one attempt may take, connect + read timeout, plus `LEASE_MARGIN_SECONDS`."""
    timeouts_ms = connection.connect_timeout_ms + connection.read_timeout_ms
    return timeouts_ms / 1000 + LEASE_MARGIN_SECONDS


class LimitsRefusal(Exception):
    """A call was not admitted; the client turns each kind into a PartnerCallError."""


class SlotsBusy(LimitsRefusal):
    """Every slot stayed taken until the caller's deadline."""


class CircuitRefused(LimitsRefusal):
    """The circuit is open, or half-open with its probe out."""


class LimitsUnavailable(LimitsRefusal):
    """The store holding slots and circuits could not be reached."""


class Take(Enum):
    TAKEN = "taken"
    TAKEN_AFTER_FAILURES = "taken_after_failures"  # the closed circuit counted failures
    BUSY = "busy"


class Outcome(Enum):
    UNKNOWN = "unknown"  # the call never reached the partner: nothing learnt
    SUCCESS = "success"  # the partner answered
    FAILURE = "failure"  # the partner is unhealthy (timeout, 5xx, 429, broken connection)


class Permit:
    """One admitted call. Say how it went with `succeeded()` or `failed()`, or say nothing if
    it never reached the partner; closing the permit (the end of its `with` block) gives the
    slot back and hands the outcome to the circuit, once."""

    def __init__(
        self,
        limits: PartnerLimits,
        connection: PartnerConnection,
        token: str,
        *,
        probe: bool,
        failures_seen: bool,
    ) -> None:
        self._limits = limits
        self._connection = connection
        self._token = token
        self.probe = probe
        self._failures_seen = failures_seen
        self._outcome = Outcome.UNKNOWN
        self._closed = False

    def succeeded(self) -> None:
        self._outcome = Outcome.SUCCESS

    def failed(self) -> None:
        self._outcome = Outcome.FAILURE

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._limits._finish(
                self._connection,
                self._token,
                self._outcome,
                probe=self.probe,
                failures_seen=self._failures_seen,
            )
        except LimitsUnavailable:
            # The call itself is done and its result stands; the slot comes back by itself
            # when its lease ends.
            logger.warning(
                "partner %s: could not give a slot back (the limits store is unreachable); "
                "it comes back when its lease ends",
                self._connection.slug,
            )

    def __enter__(self) -> Permit:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class PartnerLimits(ABC):
    """Concurrency slots and circuit breakers shared by every process that calls partners.

    Slots are counted per partner (whatever its configuration version) against the cap of the
    caller's connection, so a lowered `max_concurrent_requests` holds back new calls until the
    calls in flight are under it. Circuits are kept per partner and configuration version, so a
    corrected configuration starts with a closed circuit. `clock` is wall-clock time (leases and
    cool-downs are compared across processes); `sleep` is the wait between tries for a slot.
    """

    def __init__(
        self,
        *,
        policy: BreakerPolicy | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.policy = policy or BreakerPolicy()
        self._clock = clock
        self._sleep = sleep

    def admit(self, connection: PartnerConnection, *, deadline: float) -> Permit:
        """A permit for one call, or a LimitsRefusal. `deadline` is a `time.monotonic()` value:
        a call that finds every slot taken tries again until then, and raises SlotsBusy after."""
        token = secrets.token_hex(16)
        lease = lease_seconds(connection)
        probe = False
        wait = FIRST_WAIT_SECONDS
        try:
            while True:
                now = self._clock()
                taken = self._slot_take(
                    connection, token, now=now, expires_at=now + lease, closed_only=not probe
                )
                if taken in (Take.TAKEN, Take.TAKEN_AFTER_FAILURES):
                    return Permit(
                        self,
                        connection,
                        token,
                        probe=probe,
                        failures_seen=taken is Take.TAKEN_AFTER_FAILURES,
                    )
                if isinstance(taken, Circuit):
                    probe = self._probe_admit(connection, taken, token, now=now, deadline=deadline)
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise SlotsBusy
                if wait == FIRST_WAIT_SECONDS:
                    logger.debug(
                        "partner %s: all %d slots taken, waiting",
                        connection.slug,
                        connection.max_concurrent_requests,
                    )
                jittered = wait * (0.5 + random.random())  # noqa: S311 - jitter, not cryptography
                self._sleep(min(jittered, remaining))
                wait = min(wait * 2, LONGEST_WAIT_SECONDS)
        except BaseException:
            if probe:
                self._circuit_change(
                    connection,
                    lambda circuit: (None, self.policy.after_release(circuit, token=token)),
                )
            raise

    def _probe_admit(
        self,
        connection: PartnerConnection,
        seen: Circuit,
        token: str,
        *,
        now: float,
        deadline: float,
    ) -> bool:
        """The circuit was not closed: may this call probe (True), go out as a plain call
        because the circuit closed meanwhile (False), or neither (CircuitRefused)?"""
        # The probe's turn also covers its wait for a slot.
        probe_lease = max(0.0, deadline - time.monotonic()) + lease_seconds(connection)

        def admit(circuit: Circuit) -> tuple[Admission, Circuit]:
            return self.policy.admit(circuit, token=token, now=now, probe_lease_seconds=probe_lease)

        # Most calls are refused while the circuit is open: decided on what was read, without
        # a lock. Only a would-be probe takes the lock and decides again.
        if admit(seen)[0] is not Admission.REFUSED:
            admission = self._circuit_change(connection, admit)
            if admission is not Admission.REFUSED:
                return admission is Admission.PROBE
        raise CircuitRefused

    def circuit(self, connection: PartnerConnection) -> Circuit:
        """The partner's circuit at the connection's configuration version, as stored now."""
        return self._circuit_read(connection)

    def _finish(
        self,
        connection: PartnerConnection,
        token: str,
        outcome: Outcome,
        *,
        probe: bool,
        failures_seen: bool,
    ) -> None:
        # A plain success only resets the failures the circuit had counted when the call was
        # admitted (later ones are news it cannot contradict); the backend does that with the
        # slot's return, so the common case changes no circuit.
        still_held = self._slot_give_back(
            connection,
            token,
            reset_failures=outcome is Outcome.SUCCESS and not probe and failures_seen,
        )
        if not still_held:
            logger.warning(
                "partner %s: a slot's lease ran out before its call ended and was taken by "
                "another call; the concurrency cap may have been exceeded meanwhile",
                connection.slug,
            )
        if probe or outcome is Outcome.FAILURE:
            now = self._clock()
            after = {
                Outcome.SUCCESS: lambda circuit: self.policy.after_success(circuit, token=token),
                Outcome.FAILURE: lambda circuit: self.policy.after_failure(
                    circuit, token=token, now=now
                ),
                Outcome.UNKNOWN: lambda circuit: self.policy.after_release(circuit, token=token),
            }[outcome]
            self._circuit_change(connection, lambda circuit: (None, after(circuit)))

    # --- What a backend provides ---

    @abstractmethod
    def _slot_take(
        self,
        connection: PartnerConnection,
        token: str,
        *,
        now: float,
        expires_at: float,
        closed_only: bool,
    ) -> Take | Circuit:
        """Lease a free slot (one that is not held, or whose lease ended by `now`) to `token`
        until `expires_at`, unless the calls in flight already reach the cap (BUSY). With
        `closed_only`, only if the circuit is closed: if not, the circuit as read. TAKEN, or
        TAKEN_AFTER_FAILURES when the circuit had counted failures. Atomic: no slot ever has
        two holders."""

    @abstractmethod
    def _slot_give_back(
        self, connection: PartnerConnection, token: str, *, reset_failures: bool
    ) -> bool:
        """Free `token`'s slot; with `reset_failures`, also zero a closed circuit's failure
        count. False if the slot had meanwhile been leased to another call."""

    @abstractmethod
    def _circuit_read(self, connection: PartnerConnection) -> Circuit:
        """The circuit as stored (CLOSED when nothing is)."""

    @abstractmethod
    def _circuit_change(
        self, connection: PartnerConnection, change: Callable[[Circuit], tuple[T, Circuit]]
    ) -> T:
        """Apply `change` to the stored circuit atomically (it may be called more than once)
        and return its first result."""
