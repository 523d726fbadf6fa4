"""A manager cancels a partner order: the partner is asked (outside any transaction), the
attempt is an event whatever the answer, and the partner order moves to cancelled when the
partner confirms. Cancelling a cancelled order changes nothing and asks nobody.

Releasing the payment on cancel belongs to the payment service; it hooks in here.
"""

import logging
import time
from dataclasses import dataclass

from django.db import transaction

from orders.events import EventType
from orders.models import Order, PartnerOrder
from orders.services import Actor, order_event_append
from orders.status_sync import UpdateSource, partner_order_status_apply
from orders.statuses import PartnerOrderStatus
from partners.adapters.registry import live_adapter_for
from partners.http import PartnerCallError
from partners.operations import Operation

logger = logging.getLogger(__name__)

P = PartnerOrderStatus
# Held by the partner (or possibly, for needs review) and not yet shipped.
CANCELLABLE = (P.SUBMITTED, P.ACCEPTED, P.NEEDS_REVIEW)


class CancelRefused(Exception):
    """Not cancelled and the partner not asked; the message says why, for the manager."""


@dataclass(frozen=True)
class CancelOutcome:
    cancelled: bool
    # True when the order was cancelled already: nothing was done.
    already: bool = False
    message: str = ""


def partner_order_cancel(*, partner_order_id: int, actor: Actor) -> CancelOutcome:
    """Ask the partner to cancel the partner order. Raises CancelRefused when it cannot be
    asked (the partner does not take cancellations, or the order is not cancellable)."""
    partner_order = PartnerOrder.objects.select_related("partner").get(pk=partner_order_id)
    if partner_order.status == P.CANCELLED:
        return CancelOutcome(cancelled=True, already=True, message="Already cancelled.")
    try:
        adapter = live_adapter_for(partner_order.partner)
    except LookupError as error:
        raise CancelRefused(str(error)) from None
    if not adapter.supports(Operation.CANCEL_ORDER):
        raise CancelRefused(
            f"{partner_order.partner_name} does not take cancellations from us: ask the partner "
            f"to cancel {partner_order.partner_reference or partner_order.reference} directly."
        )
    if partner_order.status not in CANCELLABLE or not partner_order.partner_reference:
        raise CancelRefused(
            f"{partner_order.reference} is {partner_order.get_status_display().lower()}"
            + ("" if partner_order.partner_reference else " and not yet held by the partner")
            + ": it cannot be cancelled now."
        )
    started = time.monotonic()
    try:
        update = adapter.cancel_order(partner_order.partner_reference)
    except PartnerCallError as error:
        _attempt_record(
            partner_order,
            actor,
            outcome="refused" if error.status_code and error.status_code < 500 else "failed",
            started=started,
            detail={"error": type(error).__name__, "status_code": error.status_code},
        )
        logger.warning(
            "cancel failed partner=%s partner_order=%s error=%s",
            partner_order.partner_slug,
            partner_order_id,
            type(error).__name__,
        )
        return CancelOutcome(cancelled=False, message=str(error))
    cancelled = update.status == P.CANCELLED
    with transaction.atomic():
        _attempt_record(
            partner_order,
            actor,
            outcome="cancelled" if cancelled else "not_cancelled",
            started=started,
            detail={"partner_status": update.status},
        )
        # Whatever the partner says its order now is, we learn it (a late 'shipped' too).
        partner_order_status_apply(
            partner_order_id=partner_order_id,
            update=update,
            source=UpdateSource.CANCEL,
            actor=actor,
        )
    if cancelled:
        return CancelOutcome(cancelled=True)
    return CancelOutcome(
        cancelled=False,
        message=f"{partner_order.partner_name} did not cancel it: its order is {update.status}.",
    )


def _attempt_record(
    partner_order: PartnerOrder, actor: Actor, *, outcome: str, started: float, detail: dict
) -> None:
    order_event_append(
        Order.objects.get(pk=partner_order.order_id),
        EventType.PARTNER_ORDER_CANCEL_REQUESTED,
        actor,
        {
            "outcome": outcome,
            "partner": partner_order.partner_slug,
            "partner_reference": partner_order.partner_reference,
            "latency_ms": round((time.monotonic() - started) * 1000),
            **detail,
        },
        partner_order=partner_order,
    )
