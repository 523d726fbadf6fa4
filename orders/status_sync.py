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

from orders.models import Order, PartnerOrder
from orders.payment_services import payment_settle_enqueue
from orders.services import Actor, Tracking, order_line_transition, partner_order_transition
from orders.statuses import LINE, PARTNER_ORDER, LineStatus, PartnerOrderStatus
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
        partner_order = PartnerOrder.objects.get(pk=partner_order_id)
        current = partner_order.status
        if PARTNER_ORDER.is_stale(current, reported):
            return StatusApplied(changed=False, status=current)
        if not PARTNER_ORDER.allows(current, reported):
            logger.warning(
                "status report not applied partner=%s partner_order=%s from=%s to=%s source=%s",
                partner_order.partner_slug,
                partner_order_id,
                current,
                reported,
                source,
            )
            return StatusApplied(changed=False, status=current)
        who = actor or f"partner:{partner_order.partner_slug}"
        tracking = Tracking(
            carrier=update.carrier or "",
            number=update.tracking_number or "",
            url=update.tracking_url or "",
        )
        data = {"source": str(source), "partner_status_at": update.at}
        partner_order_transition(
            partner_order_id=partner_order_id,
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
        for line in partner_order.lines.order_by("pk"):
            if LINE.is_stale(line.status, line_status) or not LINE.allows(line.status, line_status):
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
        if reported in SETTLES_PAYMENT:
            payment_settle_enqueue(partner_order_id=partner_order_id)
    return StatusApplied(changed=True, status=reported)
