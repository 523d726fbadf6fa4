"""Apply what a partner reports about its order (pushed to our webhook, answered to a poll, or
answered to a cancel) to the partner order and its lines.

Reports arrive late, twice or out of order, so a report no further along than what we know is
ignored without an event (`orders.statuses.is_stale`): an order never moves backwards. Every
change goes through the locked transitions of `orders.services`, so each is an event, and each
event says where the news came from (`source`).
"""

import logging
from dataclasses import dataclass
from enum import StrEnum

from django.db import transaction

from orders.line_answers import lines_rejected_by
from orders.models import Order, OrderLine, PartnerOrder
from orders.payment_services import payment_settle_enqueue
from orders.services import Actor, Tracking, order_line_transition, partner_order_transition
from orders.statuses import LINE, PARTNER_ORDER, LineStatus, PartnerOrderStatus
from orders.till_services import till_refund_due_record
from partners.mapping import OrderStatusUpdate

logger = logging.getLogger(__name__)

P = PartnerOrderStatus
L = LineStatus

# What the partner order's reported status makes of each of its lines.
LINE_STATUS_FOR = {
    P.ACCEPTED: L.ACCEPTED,
    P.SHIPPED: L.SHIPPED,
    P.DELIVERED: L.DELIVERED,
    P.CANCELLED: L.CANCELLED,
    P.REJECTED: L.REJECTED,
}


class UpdateSource(StrEnum):
    WEBHOOK = "webhook"
    POLL = "poll"
    CANCEL = "cancel"


# A report that decides a card payment: captured once accepted (or further), released or
# refunded once rejected or cancelled.
SETTLES_PAYMENT = frozenset(
    {
        PartnerOrderStatus.ACCEPTED,
        PartnerOrderStatus.SHIPPED,
        PartnerOrderStatus.DELIVERED,
        PartnerOrderStatus.REJECTED,
        PartnerOrderStatus.CANCELLED,
    }
)


@dataclass(frozen=True)
class StatusApplied:
    """`changed` is False for a stale or repeated report, and for one the state machine does
    not allow (logged: e.g. 'accepted' for an order we marked failed)."""

    changed: bool
    status: str


def partner_order_status_apply(
    *,
    partner_order_id: int,
    update: OrderStatusUpdate,
    source: UpdateSource | str,
    actor: Actor | None = None,
) -> StatusApplied:
    """Move the partner order to the reported status, and its open lines with it (shipped
    lines get the carrier and tracking), unless the report is stale. `actor` defaults to the
    partner ("partner:<slug>")."""
    reported = PartnerOrderStatus(update.status)
    with transaction.atomic():
        # The order first, as every transition locks it: reports for one order take turns.
        Order.objects.select_for_update(of=("self",)).get(partner_orders=partner_order_id)
        partner_order = PartnerOrder.objects.select_related("order").get(pk=partner_order_id)
        current = partner_order.status
        who = actor or f"partner:{partner_order.partner_slug}"
        data = {"source": str(source), "partner_status_at": update.at}
        lines = list(partner_order.lines.order_by("pk"))
        # Lines the report rejects are news even when its status is not (a late 'accepted'
        # naming an item the partner cannot supply after all).
        rejected = _lines_rejected(partner_order, lines, update, who, data)
        moves = not PARTNER_ORDER.is_stale(current, reported)
        if moves and not PARTNER_ORDER.allows(current, reported):
            logger.warning(
                "status report not applied partner=%s partner_order=%s from=%s to=%s source=%s",
                partner_order.partner_slug,
                partner_order_id,
                current,
                reported,
                source,
            )
            moves = False
        if moves:
            _moved(partner_order, lines, reported, update, who, data, skip=set(rejected))
        if (moves and reported in SETTLES_PAYMENT) or rejected:
            payment_settle_enqueue(partner_order_id=partner_order_id)
    if not moves:
        return StatusApplied(changed=bool(rejected), status=current)
    return StatusApplied(changed=True, status=reported)


def _lines_rejected(
    partner_order: PartnerOrder,
    lines: list[OrderLine],
    update: OrderStatusUpdate,
    who: Actor,
    data: dict,
) -> dict[int, str]:
    """Reject the lines the report says the partner cannot supply; those rejected now."""
    status_of = {line.pk: line.status for line in lines}
    rejected = {
        line_id: reason
        for line_id, reason in lines_rejected_by(lines, update.lines).items()
        if LINE.allows(status_of[line_id], L.REJECTED)
    }
    for line_id, reason in rejected.items():
        order_line_transition(line_id=line_id, to=L.REJECTED, actor=who, reason=reason, data=data)
    till_refund_due_record(partner_order, who, [line for line in lines if line.pk in rejected])
    return rejected


def _moved(
    partner_order: PartnerOrder,
    lines: list[OrderLine],
    reported: PartnerOrderStatus,
    update: OrderStatusUpdate,
    who: Actor,
    data: dict,
    *,
    skip: set[int],
) -> None:
    """Move the partner order to `reported`, and its open lines with it."""
    tracking = Tracking(
        carrier=update.carrier or "",
        number=update.tracking_number or "",
        url=update.tracking_url or "",
    )
    partner_order_transition(
        partner_order_id=partner_order.pk,
        to=reported,
        actor=who,
        data={
            **data,
            "carrier": tracking.carrier,
            "tracking_number": tracking.number,
            "tracking_url": tracking.url,
        },
    )
    line_status = LINE_STATUS_FOR[reported]
    for line in lines:
        if (
            line.pk in skip
            or LINE.is_stale(line.status, line_status)
            or not LINE.allows(line.status, line_status)
        ):
            continue
        order_line_transition(
            line_id=line.pk,
            to=line_status,
            actor=who,
            data=data,
            tracking=tracking
            if line_status in (L.SHIPPED, L.DELIVERED)
            and any((tracking.carrier, tracking.number, tracking.url))
            else None,
        )
