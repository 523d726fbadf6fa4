"""Asking several partners the same thing at once: one thread per partner, one overall deadline,
the cache in front. Lookups, searches and similar items all go through `partners_ask`.

Each partner's outcome is one of three, and the three are never confused:
- ANSWERED: the partner answered (an offer, a search page, similar items);
- NOT_CARRIED: the partner answered that it does not carry the code (a lookup's None);
- NOT_ANSWERING: it failed, timed out, has its circuit open, takes no new work, or had not
  answered when the overall deadline passed. Shown as "not answering right now", with `reason`.

Each call keeps its partner's own timeouts and attempts (the HTTP client enforces them). The
overall deadline (`CATALOG_PARTNER_DEADLINE_SECONDS`) bounds how long the page waits: a partner
still busy then is NOT_ANSWERING, and its thread runs on to the partner's own deadline (the
adapter API takes no deadline), writes its call-log rows and ends; its answer is not kept.

Threads and the database:
- Partner calls must not run inside the page's transaction: the transaction would stay open for
  the length of the slowest partner. `partners_ask` raises `PartnerCallsInTransaction` when
  called inside an atomic block, before anything is sent.
- The caller's connection runs one query however many partners are asked: their live versions,
  whose config versions make the cache keys and whose configurations build the adapters. A
  worker thread builds its partner's adapter from that row, without a query of its own, so its
  request leaves sooner (the threads' Python work is serialised by the GIL: each query a thread
  ran before sending delayed every later partner's request).
- The `PartnerCall` rows of every attempt are kept by each worker thread
  (`partners.http.call_log.call_log_batched`) and written by the caller in one INSERT once the
  answers are in (or the deadline passed): a thread needs no database connection for the log,
  and the caller's queries are two however many partners are asked. A thread still calling at
  the deadline writes its own rows when it ends, so every attempt is still logged.
- A worker thread uses the database only for the partner's concurrency slot, and only where
  the slots are kept in the database (`PARTNER_LIMITS_BACKEND=database`; with Redis it uses
  none). That connection is its own (Django's are per thread) and it closes it when its call
  ends, so no connection is left open per thread.
- The cache is read (every partner's entry in one `get_many`: one round trip to Redis) and
  written in the caller's thread only.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from catalog.partner_cache import (
    CachedAnswer,
    partner_answer_key,
    partner_answer_put,
    partner_answers_get,
)
from partners.adapters.base import PartnerAdapter
from partners.adapters.registry import live_adapter_for
from partners.http import PartnerCallError
from partners.http.call_log import CallLogBatch, call_log_batched, call_rows_write
from partners.models import Partner, PartnerLiveVersion

logger = logging.getLogger(__name__)

T = TypeVar("T")


class _RunningCalls:
    """How many worker threads are running a partner call, and a wait for there to be none."""

    def __init__(self) -> None:
        self._count = 0
        self._changed = threading.Condition()

    @contextmanager
    def one(self) -> Iterator[None]:
        with self._changed:
            self._count += 1
        try:
            yield
        finally:
            with self._changed:
                self._count -= 1
                self._changed.notify_all()

    def wait_for_none(self, seconds: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._count == 0, seconds)


_running_calls = _RunningCalls()


def partner_calls_wait(seconds: float) -> bool:
    """Wait up to `seconds` for every partner call a lookup started to end, and say whether they
    all did. A worker thread may outlive its lookup's deadline: it finishes its call, gives its
    slot back and writes its call-log rows on its own. For whoever is about to empty the
    database under it (the browser tests, whose pages' lookups run in this process)."""
    return _running_calls.wait_for_none(seconds)


class PartnerCallsInTransaction(RuntimeError):
    """Partners were to be asked inside an atomic block; nothing was sent."""


class OutcomeStatus(StrEnum):
    ANSWERED = "answered"
    NOT_CARRIED = "not_carried"
    NOT_ANSWERING = "not_answering"


@dataclass(frozen=True)
class PartnerOutcome(Generic[T]):
    """One partner's part of a lookup, search or similar-items request. `fetched_at` is when
    the partner gave the answer (earlier than now when it came from the cache). The answer is
    not printed (repr): a partner's product holds its costs."""

    partner: Partner
    status: OutcomeStatus
    answer: T | None = field(default=None, repr=False)
    reason: str = ""
    fetched_at: datetime | None = None
    from_cache: bool = False

    @property
    def answered(self) -> bool:
        return self.status == OutcomeStatus.ANSWERED

    @property
    def age(self) -> timedelta | None:
        """How old the answer is, for "availability as of 40 s ago"."""
        return None if self.fetched_at is None else timezone.now() - self.fetched_at


@dataclass(frozen=True)
class PartnerRequest(Generic[T]):
    """What to ask each partner: the operation and its input (together the cache key) and the
    adapter call that asks it. The call returns None for "not carried"."""

    operation: str
    arguments: dict[str, Any]
    call: Callable[[PartnerAdapter], T | None]


@dataclass(frozen=True)
class _Answer:
    """A worker thread's answer (None: not carried) and the version that gave it."""

    answer: Any
    config_version: int
    fetched_at: datetime


@dataclass(frozen=True)
class _Failure:
    reason: str


def partners_ask(
    partners: Iterable[Partner],
    request_for: Callable[[Partner], PartnerRequest[T]],
    *,
    refresh: bool = False,
    deadline_seconds: float | None = None,
) -> list[PartnerOutcome[T]]:
    """Ask each partner `request_for(partner)` (the same request for all, or e.g. each its
    own next page) and give each one's outcome, in the order given (a partner given twice is
    asked once). Answers come from the cache unless `refresh`, which asks every partner again
    and keeps the new answers. Raises PartnerCallsInTransaction inside an atomic block."""
    if transaction.get_connection().in_atomic_block:
        raise PartnerCallsInTransaction(
            "Partners are called outside any transaction: the page's transaction would stay "
            "open until the slowest partner answered. Ask them before opening one."
        )
    seconds = deadline_seconds
    if seconds is None:
        seconds = settings.CATALOG_PARTNER_DEADLINE_SECONDS
    if seconds <= 0:
        raise ValueError(f"the deadline must be more than 0 seconds, got {seconds}")
    deadline = time.monotonic() + seconds
    first_of: dict[int, Partner] = {}
    for partner in partners:
        first_of.setdefault(partner.pk, partner)
    unique = list(first_of.values())
    if not unique:
        return []
    lives = {
        live.partner_id: live
        for live in PartnerLiveVersion.objects.filter(partner_id__in=[p.pk for p in unique])
    }
    requests = {partner.pk: request_for(partner) for partner in unique}
    outcomes: dict[int, PartnerOutcome[T]] = {}
    keys = {}
    for partner in unique:
        live = lives.get(partner.pk)
        if live is None:
            outcomes[partner.pk] = PartnerOutcome(
                partner, OutcomeStatus.NOT_ANSWERING, reason=f"{partner} has never gone live."
            )
        else:
            keys[partner.pk] = _key(requests[partner.pk], partner, live.config_version)
    cached = {} if refresh or not keys else partner_answers_get(list(keys.values()))
    to_ask = []
    for partner in unique:
        if partner.pk not in keys:
            continue
        if (entry := cached.get(keys[partner.pk])) is None:
            to_ask.append(partner)
        else:
            outcomes[partner.pk] = _answered(partner, entry.answer, entry.fetched_at, True)
    if to_ask:
        outcomes.update(_ask_concurrently(requests, to_ask, lives, deadline, seconds))
    return [outcomes[partner.pk] for partner in unique]


def _ask_concurrently(
    requests: dict[int, PartnerRequest[T]],
    partners: list[Partner],
    lives: dict[int, PartnerLiveVersion],
    deadline: float,
    seconds: float,
) -> dict[int, PartnerOutcome[T]]:
    executor = ThreadPoolExecutor(max_workers=len(partners), thread_name_prefix="catalog-partner")
    batches = {partner.pk: CallLogBatch() for partner in partners}
    futures: dict[Future[_Answer | _Failure], Partner] = {
        executor.submit(
            _ask_one, requests[partner.pk], partner, lives[partner.pk], batches[partner.pk]
        ): partner
        for partner in partners
    }
    try:
        done, _ = wait(futures, timeout=max(0.0, deadline - time.monotonic()))
    finally:
        # Threads still calling finish on their own, and write their own call-log rows; the
        # page does not wait for them.
        executor.shutdown(wait=False, cancel_futures=True)
        call_rows_write([row for batch in batches.values() for row in batch.waiter_takes()])
    outcomes: dict[int, PartnerOutcome[T]] = {}
    for future, partner in futures.items():
        request = requests[partner.pk]
        if future not in done:
            logger.warning(
                "partner %s gave no %s answer within the %g s deadline",
                partner.slug,
                request.operation,
                seconds,
            )
            outcomes[partner.pk] = PartnerOutcome(
                partner,
                OutcomeStatus.NOT_ANSWERING,
                reason=f"No answer within the {seconds:g} s a page waits for partners.",
            )
            continue
        reply = future.result()
        if isinstance(reply, _Failure):
            outcomes[partner.pk] = PartnerOutcome(
                partner, OutcomeStatus.NOT_ANSWERING, reason=reply.reason
            )
            continue
        # Kept under the version that answered, which a promotion may have changed meanwhile.
        partner_answer_put(
            _key(request, partner, reply.config_version),
            CachedAnswer(answer=reply.answer, fetched_at=reply.fetched_at),
        )
        outcomes[partner.pk] = _answered(partner, reply.answer, reply.fetched_at, False)
    return outcomes


def _ask_one(
    request: PartnerRequest[Any],
    partner: Partner,
    live: PartnerLiveVersion,
    batch: CallLogBatch,
) -> _Answer | _Failure:
    """In a worker thread: never raises, keeps its call-log rows for the caller (or writes them
    itself if the caller has stopped waiting) and closes this thread's database connections."""
    with _running_calls.one():
        try:
            with call_log_batched(batch):
                return _answer_of(request, partner, live)
        finally:
            try:
                call_rows_write(batch.work_ends())
            except Exception:
                logger.exception("writing the call log of partner %s failed", partner.slug)
            connections.close_all()


def _answer_of(
    request: PartnerRequest[Any], partner: Partner, live: PartnerLiveVersion
) -> _Answer | _Failure:
    try:
        adapter = live_adapter_for(partner, live)
        answer = request.call(adapter)
        return _Answer(answer, adapter.partner.config_version, timezone.now())
    except PartnerCallError as error:
        return _Failure(error.message)
    except Exception:
        # A defect, not the partner's fault: logged in full, while the page still shows the
        # other partners.
        logger.exception("asking partner %s for %s failed", partner.slug, request.operation)
        return _Failure("Failed unexpectedly; the error was logged.")


def _answered(
    partner: Partner, answer: Any, fetched_at: datetime, from_cache: bool
) -> PartnerOutcome[Any]:
    return PartnerOutcome(
        partner,
        OutcomeStatus.NOT_CARRIED if answer is None else OutcomeStatus.ANSWERED,
        answer=answer,
        fetched_at=fetched_at,
        from_cache=from_cache,
    )


def _key(request: PartnerRequest[Any], partner: Partner, version: int) -> str:
    return partner_answer_key(
        partner_id=partner.pk,
        config_version=version,
        operation=request.operation,
        arguments=request.arguments,
    )
