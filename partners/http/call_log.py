"""The call log: one `PartnerCall` row and one log line for every attempt at a partner call.

Both say what was called and how it ended (operation, partner, method, path, status, latency,
outcome, whether the request may have reached the partner, a short error) and never hold
headers, bodies, query strings or credentials: the path is the caller's path without its query
string, and error texts are the client's own messages.

These writes stay here rather than in `partners/services.py`, by design: the HTTP layer records
each attempt itself, as it happens (every retry, token fetch and refusal), whichever use case
made the call, so no caller can forget one. A service in between would only forward the row.

A row is written at once, unless the thread works inside `call_log_batched`: its rows are then
kept in a `CallLogBatch`, for whoever waits for that work to write them all in one INSERT
(`call_rows_write`). The catalogue's fan-out does so, so that a thread asking a partner needs
no database connection of its own for the log (on PostgreSQL each would be a new connection per
partner call), and a page asks the database once for all its partners' rows. A batched row is
complete when it is kept (its time included); only its id waits for the INSERT. The log line
is written at once either way.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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
    def call_row(self) -> PartnerCall | None: ...


class CallLogBatch:
    """The call-log rows of one piece of work run in a thread of its own (one partner's part of
    a lookup), kept for whoever waits for that work to write with others' in one INSERT. If the
    waiter stops waiting before the work ends, the work writes its own rows as it ends:
    whichever of `work_ends` and `waiter_takes` comes second gets the rows, so each is written
    once. Only the work's thread adds rows, and only before it ends."""

    def __init__(self) -> None:
        self._rows: list[PartnerCall] = []
        self._lock = threading.Lock()
        self._ended = False
        self._waiter_gone = False

    def add(self, row: PartnerCall) -> None:
        self._rows.append(row)

    def work_ends(self) -> list[PartnerCall]:
        """In the work's thread, as it ends: the rows it must write itself (none unless the
        waiter has gone)."""
        with self._lock:
            self._ended = True
            return self._take() if self._waiter_gone else []

    def waiter_takes(self) -> list[PartnerCall]:
        """In the waiter, once it stops waiting: the rows it must write (none while the work is
        still running: the work writes them)."""
        with self._lock:
            self._waiter_gone = True
            return self._take() if self._ended else []

    def _take(self) -> list[PartnerCall]:
        rows, self._rows = self._rows, []
        return rows


_batch: ContextVar[CallLogBatch | None] = ContextVar("partner_call_log_batch", default=None)


@contextmanager
def call_log_batched(batch: CallLogBatch) -> Iterator[CallLogBatch]:
    """Within the block, this thread's call-log rows are kept in `batch` instead of written."""
    token = _batch.set(batch)
    try:
        yield batch
    finally:
        _batch.reset(token)


def call_rows_write(rows: list[PartnerCall]) -> None:
    """Write kept rows, in one INSERT (none when there are none)."""
    if rows:
        PartnerCall.objects.bulk_create(rows)


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
) -> PartnerCall:
    """Write the row (or keep it in this thread's batch) and the log line (INFO when the
    partner answered, else WARNING); the row, so the caller can correct the outcome once it
    has read the body."""
    call = PartnerCall(
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
    if (batch := _batch.get()) is not None:
        batch.add(call)
    else:
        call.save(force_insert=True)
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
    return call


def call_outcome_set(call: LoggedCall, outcome: str, error: str) -> None:
    """Correct a logged call's outcome after its body was judged: the HTTP layer records an
    answered call as `ok`, and only the caller's mapping can tell it was a `bad_response` or a
    `mapping_error`. `error` must be as safe to store as the client's own messages. A row
    still in its batch is corrected before it is written."""
    row = call.call_row
    if row is None:
        return
    row.outcome, row.error = outcome, error[:500]
    if row.pk is not None:
        PartnerCall.objects.filter(pk=row.pk).update(outcome=row.outcome, error=row.error)
