"""Placing a partner order with its partner, exactly once (docs/order-pipeline.md).

Three steps, no transaction or lock held across the partner call:
1. claim: pending → submitted (or take over a submitted one whose claim lapsed), attempts + 1,
   committed before anything is sent. A worker finding it claimed by another does nothing.
2. call the partner through its live adapter with our idempotency key and reference.
3. record the outcome in a new transaction: accepted / rejected per line, or retry later,
   or failed after the last attempt, or needs review when a partner that cannot recognise a
   repeat may have received it. Every attempt appends an OrderEvent.
"""

from __future__ import annotations

import enum
import random
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from orders.events import EventType
from orders.line_answers import REJECTED_BY_PARTNER, lines_rejected_by
from orders.models import OrderLine, PartnerOrder
from orders.outbox import outbox_publish
from orders.services import (
    Actor,
    order_event_append,
    order_line_move,
    order_status_refresh,
    partner_order_locked,
    partner_order_move,
)
from orders.statuses import LineStatus, PartnerOrderStatus
from orders.till_services import till_refund_due_record
from partners.adapters.registry import live_adapter_for
from partners.http.errors import (
    CircuitOpen,
    Delivery,
    PartnerCallError,
    PartnerHttpError,
    PartnerRateLimited,
    PartnerUnavailable,
)
from partners.live_versions import partner_as_served, partner_live_version
from partners.mapping import OrderConfirmation
from partners.mapping.canonical import Address, Contact, OrderRequest
from partners.mapping.canonical import OrderLine as RequestLine
from partners.models import Partner, PartnerLiveVersion

P = PartnerOrderStatus
WORKER = "worker"


class Outcome(enum.StrEnum):
    NOTHING_TO_DO = "nothing_to_do"  # placed already, or waiting for a manager
    CLAIMED_ELSEWHERE = "claimed_elsewhere"  # another worker is sending it: look again later
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    RETRY = "retry"
    NEEDS_REVIEW = "needs_review"
    FAILED = "failed"


@dataclass(frozen=True)
class Placement:
    outcome: Outcome
    retry_in: float | None = None  # seconds, for RETRY and CLAIMED_ELSEWHERE


@dataclass(frozen=True)
class _Claim:
    """A partner order this worker may send, with the partner's live version read once: its
    deduplication mode decides the claim and the outcome, and the adapter is built from it."""

    partner_order: PartnerOrder
    resend: bool
    live: PartnerLiveVersion
    deduplication: str


def partner_order_place(*, partner_order_id: int) -> Placement:
    """Claim, send and record one attempt (module docstring)."""
    claim = _claim(partner_order_id)
    if isinstance(claim, Placement):
        return claim
    partner_order = claim.partner_order
    started = time.monotonic()
    try:
        adapter = live_adapter_for(partner_order.partner, claim.live)
        confirmation = adapter.place_order(_request(partner_order), resend=claim.resend)
    except PartnerCallError as error:
        return _failure_recorded(claim, error, _ms_since(started))
    except ValueError as error:
        # The order does not fit the partner (order_fits_partner): sending again won't help.
        return _finished(partner_order, P.FAILED, _attempt(str(error), Delivery.NOT_SENT, started))
    return _confirmation_recorded(partner_order, confirmation, _ms_since(started))


@transaction.atomic
def _claim(partner_order_id: int) -> _Claim | Placement:
    partner_order = partner_order_locked(partner_order_id, "partner")
    if partner_order.status not in (P.PENDING, P.SUBMITTED):
        return Placement(Outcome.NOTHING_TO_DO)
    now = timezone.now()
    claimed_until = partner_order.claimed_until
    if partner_order.status == P.SUBMITTED and claimed_until is not None and claimed_until > now:
        # Not acknowledged as done: if that worker dies, this message still brings it back.
        wait = (claimed_until - now).total_seconds() + 1
        return Placement(Outcome.CLAIMED_ELSEWHERE, min(wait, backoff_cap_seconds()))
    live = partner_live_version(partner_order.partner)
    if live is None:
        reason = f"{partner_order.partner_name} has no live version to send it with."
        return _claim_refused(partner_order, P.FAILED, reason, Delivery.NOT_SENT)
    # The live version's mode, as the call will be made: the rows may hold a pending edit.
    deduplication = partner_as_served(partner_order.partner, live).deduplication
    if partner_order.status == P.SUBMITTED:
        if claimed_until is not None and deduplication == Partner.Deduplication.NONE:
            # The claim lapsed mid-call (the worker died): it may have been received.
            return _claim_refused(
                partner_order,
                P.NEEDS_REVIEW,
                "A worker stopped while sending it: it may have been received.",
                Delivery.UNKNOWN,
            )
        if (
            claimed_until is not None
            and partner_order.attempts >= settings.ORDER_PLACEMENT_MAX_ATTEMPTS
        ):
            # Workers keep dying on it (a poison message): stop re-sending.
            return _claim_refused(
                partner_order,
                P.FAILED,
                "Workers stopped while sending it, every attempt.",
                Delivery.UNKNOWN,
            )
    # Pending: sent before only when a manager retries a failed order. Submitted: a lapsed
    # claim, or a manager's re-send after review (claim cleared).
    resend = partner_order.status == P.SUBMITTED or partner_order.attempts > 0
    partner_order.attempts += 1
    partner_order.claimed_until = now + timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    partner_order.config_version = live.config_version
    claimed = ("attempts", "claimed_until", "config_version")
    if partner_order.status == P.PENDING:
        partner_order_move(partner_order, P.SUBMITTED, WORKER, also_saved=claimed)
        order_status_refresh(partner_order.order, WORKER)
    else:
        partner_order.save(update_fields=claimed)
    return _Claim(partner_order, resend, live, deduplication)


def _claim_refused(
    partner_order: PartnerOrder, to: PartnerOrderStatus, reason: str, delivery: str
) -> Placement:
    """End a claim without sending: the partner cannot be called (failed), or an earlier
    attempt may have reached a partner that cannot recognise a repeat (needs review)."""
    return _finished(partner_order, to, _attempt(reason, delivery))


def _request(partner_order: PartnerOrder) -> OrderRequest:
    order = partner_order.order
    return OrderRequest(
        reference=partner_order.reference,
        idempotency_key=str(partner_order.idempotency_key),
        lines=tuple(
            RequestLine(
                partner_sku=line.partner_sku or None,
                gtin=line.gtin or None,
                quantity=line.quantity,
                unit_cost=line.unit_cost,
                currency=line.cost_currency,
            )
            for line in partner_order.lines.order_by("pk")
        ),
        ship_to=Address(
            name=order.customer_name,
            line1=order.address_line1,
            line2=order.address_line2 or None,
            city=order.city,
            region=order.region or None,
            postal_code=order.postal_code,
            country=str(order.country),
        ),
        customer=Contact(
            name=order.customer_name,
            email=order.customer_email or None,
            phone=order.customer_phone or None,
        ),
    )


def _attempt(
    outcome: str,
    delivery: str,
    started: float | None = None,
    *,
    latency_ms: int | None = None,
    status_code: int | None = None,
) -> dict[str, Any]:
    return {
        "outcome": outcome,
        "status_code": status_code,
        "latency_ms": latency_ms if latency_ms is not None else _ms_since(started),
        "may_have_been_received": delivery != Delivery.NOT_SENT,
        "delivery": delivery,
    }


def _failure_recorded(claim: _Claim, error: PartnerCallError, latency_ms: int) -> Placement:
    partner_order = claim.partner_order
    attempt = _attempt(
        f"{error.outcome}: {error.message}"[:300],
        error.delivery,
        latency_ms=latency_ms,
        status_code=error.status_code,
    )
    no_dedupe = claim.deduplication == Partner.Deduplication.NONE
    if isinstance(error, PartnerHttpError) and error.status_code and error.status_code < 500:
        return _finished(partner_order, P.REJECTED, attempt, reason=error.message)
    unusable_answer = error.delivery == Delivery.ANSWERED and not error.transient
    if no_dedupe and (error.delivery == Delivery.UNKNOWN or unusable_answer):
        return _finished(partner_order, P.NEEDS_REVIEW, attempt)
    # Not sent because the partner is cooling down (circuit open) or every slot stayed busy:
    # its turn comes later. Any other refusal before sending is a setting to fix, then retry.
    waiting_its_turn = isinstance(error, CircuitOpen | PartnerUnavailable)
    if error.delivery == Delivery.NOT_SENT and not error.transient and not waiting_its_turn:
        return _finished(partner_order, P.FAILED, attempt)
    if partner_order.attempts >= settings.ORDER_PLACEMENT_MAX_ATTEMPTS:
        return _finished(partner_order, P.FAILED, attempt)
    retry_in = backoff_seconds(partner_order.attempts)
    if isinstance(error, PartnerRateLimited) and error.retry_after is not None:
        retry_in = min(max(retry_in, error.retry_after), backoff_cap_seconds())
    with transaction.atomic():
        PartnerOrder.objects.filter(pk=partner_order.pk).update(claimed_until=None)
        _attempt_event(partner_order, {**attempt, "retry_in_seconds": round(retry_in, 3)})
    return Placement(Outcome.RETRY, retry_in)


def backoff_cap_seconds() -> float:
    # A countdown waits unacknowledged in the worker: it must end before SQS redelivers.
    return settings.SQS_VISIBILITY_TIMEOUT / 2


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with full jitter in its upper half, capped below the visibility
    timeout."""
    ceiling = min(
        settings.ORDER_PLACEMENT_BACKOFF_SECONDS * 2 ** (attempts - 1), backoff_cap_seconds()
    )
    return ceiling * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret


def _confirmation_recorded(
    partner_order: PartnerOrder, confirmation: OrderConfirmation, latency_ms: int
) -> Placement:
    attempt = _attempt(
        "duplicate" if confirmation.duplicate else "ok",
        Delivery.ANSWERED,
        latency_ms=latency_ms,
    )
    with transaction.atomic():
        partner_order = partner_order_locked(partner_order.pk)
        lines = list(partner_order.lines.order_by("pk"))
        rejected = _rejected_lines(lines, confirmation)
        if len(rejected) == len(lines):
            _outcome_recorded(
                partner_order,
                lines,
                P.REJECTED,
                attempt,
                reference=confirmation.partner_order_id,
                reasons=rejected,
            )
            return Placement(Outcome.REJECTED)
        _attempt_event(partner_order, attempt)
        for line in lines:
            if line.pk in rejected:
                order_line_move(line, LineStatus.REJECTED, WORKER, reason=rejected[line.pk])
            else:
                order_line_move(line, LineStatus.ACCEPTED, WORKER)
        partner_order.claimed_until = None
        partner_order_move(
            partner_order,
            P.ACCEPTED,
            WORKER,
            reference=confirmation.partner_order_id,
            data={"expected_ship_date": confirmation.expected_ship_date},
            also_saved=("claimed_until",),
        )
        order_status_refresh(partner_order.order, WORKER)
        till_refund_due_record(
            partner_order, WORKER, [line for line in lines if line.pk in rejected]
        )
    return Placement(Outcome.ACCEPTED)


def _rejected_lines(lines: list[OrderLine], confirmation: OrderConfirmation) -> dict[int, str]:
    """Line id → the partner's reason, for the lines it rejected. Without per-line answers
    the order's status speaks for every line."""
    if not confirmation.lines:
        if confirmation.status.lower() == "rejected":
            return {line.pk: REJECTED_BY_PARTNER for line in lines}
        return {}
    return lines_rejected_by(lines, confirmation.lines)


def _finished(
    partner_order: PartnerOrder, to: PartnerOrderStatus, attempt: dict[str, Any], **reasons: Any
) -> Placement:
    """Record a final outcome of the attempt: rejected, failed or needs review."""
    with transaction.atomic():
        partner_order = partner_order_locked(partner_order.pk)
        lines = list(partner_order.lines.order_by("pk"))
        _outcome_recorded(partner_order, lines, to, attempt, **reasons)
    return Placement(Outcome(to))


def _outcome_recorded(
    partner_order: PartnerOrder,
    lines: list[OrderLine],
    to: PartnerOrderStatus,
    attempt: dict[str, Any],
    *,
    reference: str | None = None,
    reason: str | None = None,
    reasons: dict[int, str] | None = None,
) -> None:
    """_finished, for a partner order held from `partner_order_locked` with its `lines`."""
    _attempt_event(partner_order, attempt)
    if to == P.REJECTED:
        for line in lines:
            order_line_move(
                line,
                LineStatus.REJECTED,
                WORKER,
                reason=(reasons or {}).get(line.pk, reason or REJECTED_BY_PARTNER),
            )
    partner_order.claimed_until = None
    partner_order_move(
        partner_order,
        to,
        WORKER,
        reference=reference,
        data={"attempts": partner_order.attempts},
        also_saved=("claimed_until",),
    )
    order_status_refresh(partner_order.order, WORKER)
    if to == P.REJECTED:
        till_refund_due_record(partner_order, WORKER, lines)


def _attempt_event(partner_order: PartnerOrder, data: dict[str, Any]) -> None:
    order_event_append(
        partner_order.order,
        EventType.PARTNER_ORDER_ATTEMPTED,
        WORKER,
        {"attempt": partner_order.attempts, "partner": partner_order.partner_slug, **data},
        partner_order=partner_order,
    )


def _ms_since(started: float | None) -> int:
    return 0 if started is None else int((time.monotonic() - started) * 1000)


# --- Managers' actions (each idempotent, each an event) ---


def partner_order_redrive(*, partner_order_id: int, actor: Actor) -> PartnerOrder:
    """Publish a dead-lettered partner order again, with the same idempotency key. Only one
    still to place (pending, or submitted with no outcome) whose last dead letter has not
    been re-driven yet: a second press changes nothing."""
    with transaction.atomic():
        partner_order = (
            PartnerOrder.objects.select_for_update(of=("self",))
            .select_related("order")
            .get(pk=partner_order_id)
        )
        if partner_order.status not in (P.PENDING, P.SUBMITTED):
            return partner_order
        last = (
            partner_order.events.filter(
                type__in=(EventType.PARTNER_ORDER_DEAD_LETTERED, EventType.PARTNER_ORDER_REDRIVEN)
            )
            .order_by("-id")
            .values_list("type", flat=True)
            .first()
        )
        if last != EventType.PARTNER_ORDER_DEAD_LETTERED:
            return partner_order
        order_event_append(
            partner_order.order,
            EventType.PARTNER_ORDER_REDRIVEN,
            actor,
            {"partner": partner_order.partner_slug, "attempts": partner_order.attempts},
            partner_order=partner_order,
        )
        _publish_after_commit(partner_order)
    return partner_order


def partner_order_retry(*, partner_order_id: int, actor: Actor) -> PartnerOrder:
    """A failed partner order back to pending and published (same key). Nothing for one
    that is not failed (a second press)."""
    with transaction.atomic():
        partner_order = partner_order_locked(partner_order_id)
        if partner_order.status != P.FAILED:
            return partner_order
        partner_order_move(partner_order, P.PENDING, actor, data={"retry": True})
        order_status_refresh(partner_order.order, actor)
        _publish_after_commit(partner_order)
    return partner_order


def partner_order_review_resolve(
    *, partner_order_id: int, actor: Actor, partner_reference: str = "", resend: bool = False
) -> PartnerOrder:
    """Settle a partner order needing review: the partner holds it (`partner_reference`,
    its lines accepted), or it does not and is sent again (`resend`). Nothing for one not
    in review."""
    if bool(partner_reference.strip()) == resend:
        raise ValueError("Give the partner's reference, or choose to send it again: one of them.")
    with transaction.atomic():
        partner_order = partner_order_locked(partner_order_id)
        if partner_order.status != P.NEEDS_REVIEW:
            return partner_order
        if resend:
            # Cleared claim: the claim step sends it without another review.
            partner_order.claimed_until = None
            partner_order_move(
                partner_order,
                P.SUBMITTED,
                actor,
                data={"resend": True},
                also_saved=("claimed_until",),
            )
            order_status_refresh(partner_order.order, actor)
            _publish_after_commit(partner_order)
            return partner_order
        for line in partner_order.lines.filter(status=LineStatus.PENDING):
            order_line_move(line, LineStatus.ACCEPTED, actor)
        partner_order_move(
            partner_order,
            P.ACCEPTED,
            actor,
            reference=partner_reference.strip(),
            data={"resolved": "placed"},
        )
        order_status_refresh(partner_order.order, actor)
        # The worker finds it accepted, sends nothing and captures the card payment.
        _publish_after_commit(partner_order)
        return partner_order


def _publish_after_commit(partner_order: PartnerOrder) -> None:
    ids = list(partner_order.outbox_messages.values_list("pk", flat=True))
    transaction.on_commit(lambda: outbox_publish(message_ids=ids, republish=True))
