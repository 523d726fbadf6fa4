"""Applying what a partner reports: forward moves only, lines with it, every change an event
naming its source. Reports are built as the mappings build them (OrderStatusUpdate); the last
test takes the sandbox's real pushes, delivered out of order."""

from datetime import UTC, datetime

import pytest

from orders.events import EventType
from orders.models import OrderEvent, OrderLine
from orders.status_sync import StatusApplied, UpdateSource, partner_order_status_apply
from orders.statuses import LineStatus, OrderStatus, PartnerOrderStatus
from partners.mapping import OrderStatusUpdate, StatusLine
from partners.sandbox.webhooks import DEFAULT_WEBHOOK_SECRET
from tests.orders.factories import OrderLineFactory
from tests.orders.sandbox_orders import delivery_forward, events_of, sandbox_order_placed
from tests.partners.sandbox.client import WebhookReceiver, wait_for

pytestmark = pytest.mark.django_db

P = PartnerOrderStatus
L = LineStatus
AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def report(status: str, **tracking) -> OrderStatusUpdate:
    return OrderStatusUpdate(partner_order_id="TL-1", status=status, at=AT, **tracking)


SHIPPED = report(
    "shipped",
    carrier="Royal Mail",
    tracking_number="RM123456789GB",
    tracking_url="https://track.example/RM123456789GB",
)


@pytest.fixture
def accepted_line():
    return OrderLineFactory(
        status=L.ACCEPTED,
        partner_order__status=P.ACCEPTED,
        partner_order__partner__slug="threadline",
    )


def apply(line, update, source=UpdateSource.WEBHOOK) -> StatusApplied:
    return partner_order_status_apply(
        partner_order_id=line.partner_order_id, update=update, source=source
    )


def test_shipped_moves_the_partner_order_and_its_lines_with_tracking(accepted_line):
    applied = apply(accepted_line, SHIPPED, UpdateSource.POLL)

    assert applied == StatusApplied(changed=True, status=P.SHIPPED)
    accepted_line.refresh_from_db()
    assert (accepted_line.status, accepted_line.carrier, accepted_line.tracking_number) == (
        L.SHIPPED,
        "Royal Mail",
        "RM123456789GB",
    )
    assert accepted_line.tracking_url == "https://track.example/RM123456789GB"
    partner_order = accepted_line.partner_order
    partner_order.refresh_from_db()
    assert partner_order.status == P.SHIPPED
    assert partner_order.order.status == OrderStatus.SHIPPED
    moved = OrderEvent.objects.get(type="partner_order_status_changed").data
    assert moved == {
        "source": "poll",
        "partner_status_at": "2026-11-30T12:00:00Z",
        "carrier": "Royal Mail",
        "tracking_number": "RM123456789GB",
        "tracking_url": "https://track.example/RM123456789GB",
        "from": "accepted",
        "to": "shipped",
        "partner": "threadline",
        "partner_reference": "",
    }
    assert OrderEvent.objects.get(type="line_status_changed").actor == "partner:threadline"


def test_an_accepted_report_after_shipped_is_ignored_without_an_event(accepted_line):
    apply(accepted_line, SHIPPED)
    events = OrderEvent.objects.count()

    applied = apply(accepted_line, report("accepted"))

    assert applied == StatusApplied(changed=False, status=P.SHIPPED)
    accepted_line.refresh_from_db()
    assert accepted_line.status == L.SHIPPED
    assert accepted_line.partner_order.status == P.SHIPPED
    assert OrderEvent.objects.count() == events


def test_the_same_report_twice_changes_once(accepted_line):
    apply(accepted_line, SHIPPED)
    events = OrderEvent.objects.count()

    assert apply(accepted_line, SHIPPED).changed is False
    assert OrderEvent.objects.count() == events


def test_a_first_report_may_skip_ahead_from_submitted_to_shipped():
    line = OrderLineFactory(partner_order__status=P.SUBMITTED)

    apply(line, SHIPPED)

    line.refresh_from_db()
    assert (line.status, line.tracking_number, line.partner_order.status) == (
        L.SHIPPED,
        "RM123456789GB",
        P.SHIPPED,
    )


def test_delivered_after_shipped_keeps_the_tracking(accepted_line):
    apply(accepted_line, SHIPPED)

    apply(accepted_line, report("delivered"))

    accepted_line.refresh_from_db()
    assert (accepted_line.status, accepted_line.tracking_number) == (L.DELIVERED, "RM123456789GB")
    assert accepted_line.partner_order.order.status == OrderStatus.DELIVERED


def test_cancelled_by_the_partner_cancels_the_open_lines_and_the_order(accepted_line):
    second = OrderLineFactory(partner_order=accepted_line.partner_order, status=L.ACCEPTED)

    apply(accepted_line, report("cancelled"))

    assert set(OrderLine.objects.values_list("status", flat=True)) == {L.CANCELLED}
    second.partner_order.refresh_from_db()
    assert second.partner_order.status == P.CANCELLED
    assert second.partner_order.order.status == OrderStatus.CANCELLED


def test_a_report_the_state_machine_forbids_changes_nothing():
    line = OrderLineFactory(partner_order__status=P.FAILED)

    applied = apply(line, report("accepted"))

    assert applied == StatusApplied(changed=False, status=P.FAILED)
    line.refresh_from_db()
    assert line.status == L.PENDING
    assert not OrderEvent.objects.exists()


def test_real_pushes_delivered_out_of_order_never_move_the_order_back(live_partners, sandbox):
    partner_order = sandbox_order_placed(
        live_partners("threadline")["threadline"], sandbox.threadline
    )
    with WebhookReceiver() as receiver:
        sandbox.threadline.webhook_set(receiver.url, DEFAULT_WEBHOOK_SECRET)
        sandbox.threadline.order_advance(partner_order.partner_reference, "delivered")
        shipped, delivered = wait_for(lambda: receiver.deliveries[1:] and receiver.deliveries)
    assert delivery_forward("threadline", delivered).json() == {
        "applied": True,
        "status": "delivered",
    }
    events = events_of(partner_order)

    late = delivery_forward("threadline", shipped)

    assert late.status_code == 200
    assert late.json() == {"applied": False, "status": "delivered"}
    partner_order.refresh_from_db()
    assert partner_order.status == P.DELIVERED
    assert events_of(partner_order) == events


def two_accepted_lines():
    first = OrderLineFactory(
        status=L.ACCEPTED,
        partner_sku="TL-A",
        partner_order__status=P.ACCEPTED,
        partner_order__partner__slug="threadline",
    )
    second = OrderLineFactory(
        status=L.ACCEPTED, partner_sku="TL-B", partner_order=first.partner_order
    )
    return first, second


def test_a_report_rejecting_one_line_rejects_it_even_when_its_status_is_old_news():
    first, second = two_accepted_lines()
    update = OrderStatusUpdate(
        partner_order_id="TL-1",
        status="accepted",  # what we know already: stale as a status
        lines=(
            StatusLine(partner_sku="TL-B", accepted=False, reason="Discontinued"),
            StatusLine(partner_sku="TL-A", accepted=True),
        ),
    )

    applied = apply(first, update)
    again = apply(first, update)

    assert applied == StatusApplied(changed=True, status=P.ACCEPTED)
    assert again == StatusApplied(changed=False, status=P.ACCEPTED)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status, second.status_reason) == (
        L.ACCEPTED,
        L.REJECTED,
        "Discontinued",
    )
    order = first.partner_order.order
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_REJECTED
    # Paid at the till (the factory's order): the rejected line is due back there.
    [due] = OrderEvent.objects.filter(type=EventType.TILL_REFUND_DUE)
    assert due.data == {"amount": str(second.total), "currency": order.currency}


def test_a_shipped_report_rejecting_a_line_ships_the_others_only():
    first, second = two_accepted_lines()

    apply(
        first,
        OrderStatusUpdate(
            partner_order_id="TL-1",
            status="shipped",
            carrier="Royal Mail",
            lines=(StatusLine(partner_sku="TL-B", accepted=False),),
        ),
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (L.SHIPPED, L.REJECTED)
    assert second.status_reason == "Rejected by the partner."
