"""Orders shipped to the store for pickup: the store marks the parcel received, then collected
by the customer. Each is an OrderEvent (the customer can later be told about it); neither moves
a status, since partners' statuses stop at delivered (to the store)."""

from dataclasses import dataclass
from enum import StrEnum

from django.db import transaction

from orders.events import EventType
from orders.models import Order, OrderEvent
from orders.services import Actor, order_event_append
from orders.statuses import OrderStatus

# The parcel can reach the store once something has shipped.
RECEIVABLE = (OrderStatus.PARTIALLY_SHIPPED, OrderStatus.SHIPPED, OrderStatus.DELIVERED)


class PickupStep(StrEnum):
    RECEIVED = "received"
    COLLECTED = "collected"


STEP_EVENTS = {
    PickupStep.RECEIVED: EventType.PICKUP_RECEIVED,
    PickupStep.COLLECTED: EventType.PICKUP_COLLECTED,
}


class PickupRefused(ValueError):
    """The step cannot be marked now; the message says why, for the associate."""


@dataclass(frozen=True)
class PickupState:
    received: OrderEvent | None
    collected: OrderEvent | None

    @property
    def next_step(self) -> PickupStep | None:
        if self.received is None:
            return PickupStep.RECEIVED
        if self.collected is None:
            return PickupStep.COLLECTED
        return None


def pickup_state(events: list[OrderEvent]) -> PickupState:
    """Where the pickup stands, from the order's events (already loaded)."""
    by_type = {event.type: event for event in sorted(events, key=lambda event: event.id)}
    return PickupState(
        received=by_type.get(EventType.PICKUP_RECEIVED),
        collected=by_type.get(EventType.PICKUP_COLLECTED),
    )


@transaction.atomic
def order_pickup_mark(*, order_id: int, step: PickupStep, actor: Actor) -> bool:
    """Mark the pickup `step` on the order; False (nothing written) when it is marked already,
    as after a second press. Raises PickupRefused when the step cannot be marked now."""
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.delivery_method != Order.DeliveryMethod.PICKUP_AT_STORE:
        raise PickupRefused(f"{order.number} is shipped to the customer, not to the store.")
    state = pickup_state(list(order.events.filter(type__in=STEP_EVENTS.values()).order_by("id")))
    if (step == PickupStep.RECEIVED and state.received) or (
        step == PickupStep.COLLECTED and state.collected
    ):
        return False
    if step == PickupStep.RECEIVED and order.status not in RECEIVABLE:
        raise PickupRefused(f"Nothing of {order.number} has shipped yet.")
    if step == PickupStep.COLLECTED and state.received is None:
        raise PickupRefused(f"Mark {order.number}'s parcel received before it is collected.")
    order_event_append(order, STEP_EVENTS[step], actor, {"number": order.number})
    return True
