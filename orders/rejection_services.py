"""Items a partner rejected: the pipeline settles the money (a card payment is released or
refunded, a till refund is listed as due), but the customer still has to hear of it. The
attention list shows the partner order until a manager records that the customer was told
(or refunds the items at the till, which tells them too)."""

from django.db import transaction

from orders.events import REJECTION_HANDLED_BY, EventType
from orders.models import OrderLine
from orders.services import Actor, order_event_append, partner_order_locked
from orders.statuses import LineStatus


@transaction.atomic
def partner_order_rejection_handled(*, partner_order_id: int, actor: Actor) -> bool:
    """Record that the customer was told of the items the partner rejected since the last
    time; False (nothing written) when there is nothing new to tell, as after a second press."""
    partner_order = partner_order_locked(partner_order_id)
    events = partner_order.events.order_by("-id").values_list("id", flat=True)
    last_rejection = events.filter(
        type=EventType.LINE_STATUS_CHANGED, data__to=LineStatus.REJECTED
    ).first()
    last_handled = events.filter(type__in=REJECTION_HANDLED_BY).first()
    if last_rejection is None or (last_handled or 0) > last_rejection:
        return False
    rejected = OrderLine.objects.filter(partner_order=partner_order, status=LineStatus.REJECTED)
    order_event_append(
        partner_order.order,
        EventType.REJECTION_HANDLED,
        actor,
        {"lines": list(rejected.order_by("pk").values_list("pk", flat=True))},
        partner_order=partner_order,
    )
    return True
