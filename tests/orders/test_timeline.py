"""The timeline's words for each event type, in memory (the page's test reads them in HTML)."""

from datetime import UTC, datetime

import pytest

from orders.events import EventType
from orders.models import OrderEvent, PartnerOrder
from orders.timeline import timeline

AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def event(event_id: int, event_type: str, data: dict, **fields) -> OrderEvent:
    return OrderEvent(id=event_id, type=event_type, data=data, actor="worker", at=AT, **fields)


@pytest.mark.parametrize(
    ("event_type", "data", "headline"),
    [
        (
            EventType.ORDER_STATUS_CHANGED,
            {"from": "pending", "to": "submitted"},
            "Order status: sent to partners",
        ),
        (
            EventType.ORDER_STATUS_CHANGED,
            {"to": "partially_rejected"},
            "Order status: partially rejected",
        ),
        (EventType.PARTNER_ORDER_STATUS_CHANGED, {"to": "submitted"}, "Sent to the partner"),
        (EventType.PARTNER_ORDER_STATUS_CHANGED, {"to": "accepted"}, "Accepted by the partner"),
        (EventType.PARTNER_ORDER_STATUS_CHANGED, {"to": "rejected"}, "Rejected by the partner"),
        (EventType.PARTNER_ORDER_STATUS_CHANGED, {"to": "shipped"}, "Shipped by the partner"),
        (EventType.PARTNER_ORDER_STATUS_CHANGED, {"to": "delivered"}, "Delivered"),
        (EventType.PARTNER_ORDER_STATUS_CHANGED, {"to": "cancelled"}, "Cancelled"),
        (EventType.PARTNER_ORDER_STATUS_CHANGED, {"to": "failed"}, "Placing it failed"),
        (
            EventType.PARTNER_ORDER_STATUS_CHANGED,
            {"to": "needs_review"},
            "Needs review: the partner may or may not hold it",
        ),
        (EventType.PARTNER_ORDER_STATUS_CHANGED, {"to": "pending"}, "Waiting to be sent again"),
        (
            EventType.PARTNER_ORDER_STATUS_CHANGED,
            {"to": "on_hold"},
            "Partner order status: on hold",
        ),
        (
            EventType.LINE_STATUS_CHANGED,
            {"to": "rejected", "partner_sku": "TL-1"},
            "Item TL-1 rejected",
        ),
        (EventType.LINE_STATUS_CHANGED, {"to": "shipped"}, "Item a line shipped"),
        (EventType.PAYMENT_AUTHORISED, {"amount": "20.00"}, "Card payment authorised"),
        (EventType.PARTNER_ORDER_ATTEMPTED, {"attempt": 2}, "Placing attempt 2"),
        (EventType.PARTNER_ORDER_ATTEMPTED, ["not", "a", "dict"], "Placing attempt"),
        (
            EventType.PARTNER_ORDER_CANCEL_REQUESTED,
            {"outcome": "refused"},
            "The partner refused to cancel it",
        ),
        ("parcel_received_at_store", {}, "Parcel received at store"),
    ],
)
def test_each_event_type_has_its_words_and_an_unknown_one_general_words(event_type, data, headline):
    [entry] = timeline([event(1, event_type, data)])

    assert (entry.headline, entry.event_type, entry.actor) == (headline, event_type, "worker")


def test_only_the_listed_details_are_shown_in_their_order():
    data = {
        "unit_cost": "7.31",
        "card_last4": "4242",
        "outcome": "timeout",
        "attempt": 3,
        "may_have_been_received": False,
        "reason": "",
        "latency_ms": 2000,
    }

    [entry] = timeline([event(1, EventType.PARTNER_ORDER_ATTEMPTED, data)])

    assert entry.details == (
        ("Attempt", "3"),
        ("Outcome", "timeout"),
        ("Took (ms)", "2000"),
        ("Partner may have received it", "no"),
    )


def test_newest_first_by_event_id_or_oldest_first_with_the_partner_named():
    partner_order = PartnerOrder(partner_name="Threadline Apparel")
    events = [
        event(7, "b", {}, partner_order=partner_order),
        event(3, "a", {}),
        event(9, "c", {}),
    ]

    assert [entry.headline for entry in timeline(events)] == ["C", "B", "A"]
    oldest_first = timeline(events, newest_first=False)
    assert [entry.headline for entry in oldest_first] == ["A", "B", "C"]
    assert [entry.partner_name for entry in oldest_first] == ["", "Threadline Apparel", ""]
