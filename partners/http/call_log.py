"""The call log: one `PartnerCall` row and one log line for every attempt at a partner call.

Both say what was called and how it ended (operation, partner, method, path, status, latency,
outcome, whether the request may have reached the partner, a short error) and never hold
headers, bodies, query strings or credentials: the path is the caller's path without its query
string, and error texts are the client's own messages.

These writes stay here rather than in `partners/services.py`, by design: the HTTP layer records
each attempt itself, as it happens (every retry, token fetch and refusal), whichever use case
made the call, so no caller can forget one. A service in between would only forward the row.
"""

from __future__ import annotations

import logging
from typing import Protocol

from partners.http.connection import PartnerConnection
from partners.models import CORRELATION_MAX_LENGTH, PartnerCall

logger = logging.getLogger("partners.http")

ANSWERED_OUTCOMES = frozenset(
    {PartnerCall.Outcome.OK, PartnerCall.Outcome.NOT_FOUND, PartnerCall.Outcome.HTTP_ERROR}
)


class LoggedCall(Protocol):
    """Anything that knows the PartnerCall row of its call (a PartnerResponse, a trace)."""

    @property
    def call_id(self) -> int | None: ...


def call_record(
    connection: PartnerConnection,
    *,
    operation: str,
    method: str,
    path: str,
    attempt: int,
    latency_ms: int,
    outcome: str,
    delivery: str,
    status_code: int | None,
    error: str = "",
    correlation: str = "",
) -> int:
    """Write the row and the log line (INFO when the partner answered, else WARNING); the
    row's id, so the caller can correct the outcome once it has read the body."""
    call = PartnerCall.objects.create(
        partner_id=connection.partner_id,
        operation=operation[:30],
        method=method[:6],
        path=path[:300],
        status_code=status_code,
        latency_ms=latency_ms,
        outcome=outcome,
        delivery=delivery,
        error=error[:500],
        attempt=attempt,
        config_version=connection.config_version,
        correlation=correlation[:CORRELATION_MAX_LENGTH],
    )
    logger.log(
        logging.INFO if outcome in ANSWERED_OUTCOMES and not error else logging.WARNING,
        "partner %s %s attempt %d: %s, status %s, %d ms, %s%s",
        connection.slug,
        operation,
        attempt,
        outcome,
        status_code if status_code is not None else "-",
        latency_ms,
        delivery,
        f": {error}" if error else "",
        extra={
            "partner": connection.slug,
            "operation": operation,
            "attempt": attempt,
            "outcome": outcome,
            "delivery": delivery,
            "status_code": status_code,
            "latency_ms": latency_ms,
        },
    )
    return call.pk


def call_outcome_set(call: LoggedCall, outcome: str, error: str) -> None:
    """Correct a logged call's outcome after its body was judged: the HTTP layer records an
    answered call as `ok`, and only the caller's mapping can tell it was a `bad_response` or a
    `mapping_error`. `error` must be as safe to store as the client's own messages."""
    if call.call_id is not None:
        PartnerCall.objects.filter(pk=call.call_id).update(outcome=outcome, error=error[:500])
