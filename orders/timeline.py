"""An order's history in words for its page, from its `OrderEvent`s.

Each known event type has its wording here; a type this module does not know yet (added by
later work) still shows, in general words, so the page never hides what happened. Only the
data keys listed in SHOWN_DETAILS reach the page: events may carry what later consumers need
(costs for the ERP, say), and an associate must not read it from the timeline.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orders.events import EventType
from orders.models import OrderEvent
from orders.statuses import LineStatus, OrderStatus, PartnerOrderStatus

# Data of an event shown as "label: value" under its headline, in this order, when present:
# a placement attempt's outcome among them, whatever the event that carries it is called.
SHOWN_DETAILS = {
    "attempt": "Attempt",
    "outcome": "Outcome",
    "status_code": "Partner's answer",
    "latency_ms": "Took (ms)",
    "may_have_been_received": "Partner may have received it",
    "retry_in_seconds": "Next try in (s)",
    "partner_reference": "Partner reference",
    "reason": "Reason",
    "error": "Problem",
    "carrier": "Carrier",
    "tracking_number": "Tracking number",
    "amount": "Amount",
    "captured": "Taken",
    "released": "Released",
    "till_reference": "Till reference",
}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    headline: str
    details: tuple[tuple[str, str], ...]
    actor: str
    partner_name: str
    event_type: str


def timeline(events: Iterable[OrderEvent], *, newest_first: bool = True) -> list[TimelineEntry]:
    """The entries of `events` (already loaded, with their partner orders) in order of
    happening, or the other way round."""
    entries = [_entry(event) for event in sorted(events, key=lambda event: event.id)]
    return entries[::-1] if newest_first else entries


def _entry(event: OrderEvent) -> TimelineEntry:
    data = event.data if isinstance(event.data, dict) else {}
    wording = HEADLINES.get(event.type, _generic_headline)
    return TimelineEntry(
        at=event.at,
        headline=wording(event.type, data),
        details=tuple(
            (label, _shown(data[key]))
            for key, label in SHOWN_DETAILS.items()
            if data.get(key) not in (None, "")
        ),
        actor=event.actor,
        partner_name=event.partner_order.partner_name if event.partner_order else "",
        event_type=event.type,
    )


def _label(choices: type, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value).replace("_", " ")


def _order_status_changed(_type: str, data: dict) -> str:
    return f"Order status: {_label(OrderStatus, data.get('to')).lower()}"


# A partner order's move in the words of what happened to it.
PARTNER_ORDER_MOVES = {
    PartnerOrderStatus.SUBMITTED: "Sent to the partner",
    PartnerOrderStatus.ACCEPTED: "Accepted by the partner",
    PartnerOrderStatus.REJECTED: "Rejected by the partner",
    PartnerOrderStatus.SHIPPED: "Shipped by the partner",
    PartnerOrderStatus.DELIVERED: "Delivered",
    PartnerOrderStatus.CANCELLED: "Cancelled",
    PartnerOrderStatus.FAILED: "Placing it failed",
    PartnerOrderStatus.NEEDS_REVIEW: "Needs review: the partner may or may not hold it",
    PartnerOrderStatus.PENDING: "Waiting to be sent again",
}


def _partner_order_status_changed(_type: str, data: dict) -> str:
    to = data.get("to")
    fallback = f"Partner order status: {_label(PartnerOrderStatus, to).lower()}"
    return PARTNER_ORDER_MOVES.get(to, fallback)


def _line_status_changed(_type: str, data: dict) -> str:
    item = data.get("partner_sku") or "a line"
    return f"Item {item} {_label(LineStatus, data.get('to')).lower()}"


def _attempted(_type: str, data: dict) -> str:
    return f"Placing attempt {data.get('attempt', '')}".rstrip()


def _cancel_requested(_type: str, data: dict) -> str:
    return {
        "cancelled": "Cancelled at the partner",
        "not_cancelled": "The partner did not cancel it",
        "refused": "The partner refused to cancel it",
    }.get(data.get("outcome"), "Asking the partner to cancel failed")


def _words(text: str) -> Callable[[str, dict], str]:
    return lambda _type, _data: text


def _generic_headline(event_type: str, _data: dict) -> str:
    return event_type.replace("_", " ").capitalize()


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


HEADLINES: dict[str, Callable[[str, dict], str]] = {
    EventType.ORDER_STATUS_CHANGED: _order_status_changed,
    EventType.PARTNER_ORDER_STATUS_CHANGED: _partner_order_status_changed,
    EventType.LINE_STATUS_CHANGED: _line_status_changed,
    EventType.ORDER_PLACED: _words("Order taken"),
    EventType.PARTNER_ORDER_ATTEMPTED: _attempted,
    EventType.PARTNER_ORDER_DEAD_LETTERED: _words(
        "Placing it kept failing: set aside for a manager"
    ),
    EventType.PARTNER_ORDER_REDRIVEN: _words("Sent for placing again"),
    EventType.PAYMENT_AUTHORISED: _words("Card payment authorised"),
    EventType.PAYMENT_CAPTURED: _words("Card payment taken"),
    EventType.PAYMENT_VOIDED: _words("Card payment released"),
    EventType.PAYMENT_REFUNDED: _words("Card payment refunded"),
    EventType.PAYMENT_SETTLE_FAILED: _words("The gateway refused to settle the card payment"),
    EventType.TILL_REFUND_DUE: _words("Refund due at the till"),
    EventType.TILL_REFUNDED: _words("Refunded at the till"),
    EventType.REJECTION_HANDLED: _words("The customer was told of the rejected items"),
    EventType.PARTNER_ORDER_CANCEL_REQUESTED: _cancel_requested,
    EventType.PICKUP_RECEIVED: _words("Parcel received at the store"),
    EventType.PICKUP_COLLECTED: _words("Collected by the customer"),
}
