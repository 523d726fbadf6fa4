"""Refunds of till-paid orders: the pipeline records a refund as due (an event) when a partner
rejects lines of an order paid at the store's till; a manager refunds the customer at the till
and records it here, which takes it off the attention list."""

from decimal import Decimal

from django.db import transaction

from orders.events import EventType
from orders.models import Order, OrderLine, PartnerOrder
from orders.services import Actor, order_event_append

TILL_REFERENCE_MAX_LENGTH = 120


def till_refund_due_record(
    partner_order: PartnerOrder, actor: Actor, rejected: list[OrderLine]
) -> None:
    """In the caller's transaction: the `rejected` lines of a till-paid order are due back at
    the till (an event the attention list shows). Card payments are released or refunded by
    `orders.payment_services.partner_order_payment_settle`."""
    order = partner_order.order
    if order.payment_method != Order.PaymentMethod.TILL or not rejected:
        return
    order_event_append(
        order,
        EventType.TILL_REFUND_DUE,
        actor,
        {"amount": sum(line.total for line in rejected), "currency": order.currency},
        partner_order=partner_order,
    )


@transaction.atomic
def partner_order_till_refund_record(
    *, partner_order_id: int, actor: Actor, till_reference: str
) -> bool:
    """Record the till refund of what is due on the partner order; False (nothing written) when
    nothing is due, as after a second press."""
    till_reference = till_reference.strip()
    if not till_reference or len(till_reference) > TILL_REFERENCE_MAX_LENGTH:
        raise ValueError(
            f"Type the till's refund reference (at most {TILL_REFERENCE_MAX_LENGTH} characters)."
        )
    partner_order = (
        PartnerOrder.objects.select_for_update().select_related("order").get(pk=partner_order_id)
    )
    last_refund = partner_order.events.filter(type=EventType.TILL_REFUNDED).order_by("-id").first()
    due = partner_order.events.filter(type=EventType.TILL_REFUND_DUE)
    if last_refund is not None:
        due = due.filter(id__gt=last_refund.id)
    amounts = [Decimal(str(event.data.get("amount", 0))) for event in due]
    if not amounts:
        return False
    order_event_append(
        partner_order.order,
        EventType.TILL_REFUNDED,
        actor,
        {
            "till_reference": till_reference,
            "amount": sum(amounts, Decimal(0)),
            "currency": partner_order.order.currency,
        },
        partner_order=partner_order,
    )
    return True
