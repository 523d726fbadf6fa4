"""Orders as the pipeline leaves them, for the order pages' tests (tests/orders and tests/e2e)."""

from datetime import datetime
from decimal import Decimal

from orders.events import EventType
from orders.models import Order, OrderEvent
from orders.services import Tracking, order_line_transition, partner_order_transition
from orders.statuses import LineStatus, PartnerOrderStatus
from partners.models import Partner
from stores.models import Store
from tests.orders.factories import OrderFactory, OrderLineFactory, PartnerOrderFactory

# What the partner charges us for each line: never on a page (associates must not see it).
PARTNER_COST = Decimal("7.31")
P = PartnerOrderStatus


def order_taken(store: Store, *, at: datetime | None = None, **fields) -> Order:
    """An order of `store`, taken `at` (created_at is set on first save, so written after)."""
    order = OrderFactory(store=store, **fields)
    if at is not None:
        Order.objects.filter(pk=order.pk).update(created_at=at)
        order.created_at = at
    return order


def partner_order_with_lines(
    order: Order, partner: Partner, *, lines: int = 1, status: str = P.PENDING, **fields
):
    """A partner order of `order` with `lines` lines at £20.00 (cost PARTNER_COST each)."""
    partner_order = PartnerOrderFactory(order=order, partner=partner, status=status, **fields)
    for _ in range(lines):
        OrderLineFactory(partner_order=partner_order, unit_cost=PARTNER_COST)
    return partner_order


def order_shipped_with_history(store: Store, partner: Partner, *, lines: int = 2) -> Order:
    """An order whose partner order was sent (one failed attempt first, then one that
    worked), accepted with its reference, and shipped line by line with tracking."""
    order = order_taken(store)
    partner_order = partner_order_with_lines(order, partner, lines=lines)
    partner_order_transition(partner_order_id=partner_order.pk, to=P.SUBMITTED, actor="worker")
    for attempt, outcome, latency_ms in ((1, "timeout", 2000), (2, "accepted", 140)):
        # The pipeline records each attempt under a type of its own: shown in general words.
        OrderEvent.objects.create(
            order=order,
            partner_order=partner_order,
            type=EventType.PARTNER_ORDER_ATTEMPTED,
            actor="worker",
            data={
                "attempt": attempt,
                "outcome": outcome,
                "latency_ms": latency_ms,
                "may_have_been_received": outcome == "timeout",
                "unit_cost": str(PARTNER_COST),
            },
        )
    partner_order_transition(
        partner_order_id=partner_order.pk, to=P.ACCEPTED, actor="worker", reference="TL-778812"
    )
    for number, line in enumerate(partner_order.lines.all(), start=1):
        order_line_transition(
            line_id=line.pk,
            to=LineStatus.SHIPPED,
            actor=f"partner:{partner.slug}",
            tracking=Tracking(
                carrier="Parcelway",
                number=f"PW{number:04d}",
                url=f"https://track.parcelway.example/PW{number:04d}",
            ),
        )
    order.refresh_from_db()
    return order
