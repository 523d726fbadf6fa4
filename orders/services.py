"""Writes to orders. Every status change goes through a transition here, which locks the order
row first (then the row it moves), so two changes to one order take turns and the order's
derived status is always computed from committed, current rows."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F

from orders.events import EventType
from orders.models import Order, OrderEvent, OrderLine, OrderNumberCounter, PartnerOrder
from orders.statuses import (
    LINE,
    PARTNER_ORDER,
    IllegalTransition,
    LineStatus,
    PartnerOrderStatus,
    line_standing,
    order_status_derive,
)
from stores.models import Store

# Who made a change: a user, or a label such as "system", "worker" or "partner:<slug>".
Actor = str | AbstractBaseUser


@dataclass(frozen=True)
class Tracking:
    carrier: str = ""
    number: str = ""
    url: str = ""


def order_number_next(*, store: Store) -> str:
    """The store's next order number, e.g. LDN-01-00042. Called inside the checkout's
    transaction, the counter row stays locked until that commits: concurrent checkouts at one
    store take turns, never share a number, and a rolled-back checkout leaves no gap."""
    with transaction.atomic():
        OrderNumberCounter.objects.get_or_create(store=store)
        counter = OrderNumberCounter.objects.filter(store=store)
        counter.update(last_number=F("last_number") + 1)
        number = counter.values_list("last_number", flat=True).get()
    return f"{store.code}-{number:05d}"


def partner_order_locked(partner_order_id: int, *related: str) -> PartnerOrder:
    """Lock the order, then its partner order `partner_order_id` (the order first, as every
    transition does), in the caller's transaction; the partner order comes with `.order` set to
    the locked order and the `related` rows joined."""
    order = _order_locked(partner_orders=partner_order_id)
    partner_order = (
        PartnerOrder.objects.select_for_update(of=("self",))
        .select_related(*related)
        .get(pk=partner_order_id)
    )
    partner_order.order = order
    return partner_order


@transaction.atomic
def partner_order_transition(
    *,
    partner_order_id: int,
    to: PartnerOrderStatus | str,
    actor: Actor,
    data: dict[str, Any] | None = None,
    reference: str | None = None,
) -> PartnerOrder:
    """Move a partner order to `to`, recording the partner's `reference` when given. Raises
    IllegalTransition, changing nothing, when `orders.statuses.PARTNER_ORDER` forbids it."""
    partner_order = partner_order_move(
        partner_order_locked(partner_order_id), to, actor, data=data, reference=reference
    )
    order_status_refresh(partner_order.order, actor)
    return partner_order


def partner_order_move(
    partner_order: PartnerOrder,
    to: PartnerOrderStatus | str,
    actor: Actor,
    *,
    data: dict[str, Any] | None = None,
    reference: str | None = None,
    also_saved: tuple[str, ...] = (),
) -> PartnerOrder:
    """partner_order_transition for a partner order the caller holds from
    `partner_order_locked` in its transaction; the fields in `also_saved`, set by the caller,
    are saved with the status. The caller ends its moves with order_status_refresh."""
    previous = partner_order.status
    if not PARTNER_ORDER.allows(previous, to):
        raise IllegalTransition(previous, to)
    partner_order.status = to
    if reference is not None:
        partner_order.partner_reference = reference
    partner_order.save(update_fields=["status", "partner_reference", "updated_at", *also_saved])
    order = partner_order.order
    order_event_append(
        order,
        EventType.PARTNER_ORDER_STATUS_CHANGED,
        actor,
        {
            **(data or {}),
            "from": previous,
            "to": to,
            "partner": partner_order.partner_slug,
            "partner_reference": partner_order.partner_reference,
        },
        partner_order=partner_order,
    )
    return partner_order


@transaction.atomic
def order_line_transition(
    *,
    line_id: int,
    to: LineStatus | str,
    actor: Actor,
    data: dict[str, Any] | None = None,
    reason: str | None = None,
    tracking: Tracking | None = None,
) -> OrderLine:
    """Move one line to `to`, with the partner's reason (e.g. why rejected) and tracking when
    given. Raises IllegalTransition, changing nothing, when `orders.statuses.LINE` forbids it."""
    order = _order_locked(partner_orders__lines=line_id)
    line = OrderLine.objects.select_for_update().select_related("partner_order").get(pk=line_id)
    line.partner_order.order = order
    order_line_move(line, to, actor, data=data, reason=reason, tracking=tracking)
    order_status_refresh(order, actor)
    return line


def order_line_move(
    line: OrderLine,
    to: LineStatus | str,
    actor: Actor,
    *,
    data: dict[str, Any] | None = None,
    reason: str | None = None,
    tracking: Tracking | None = None,
) -> OrderLine:
    """order_line_transition for a line of a partner order the caller holds from
    `partner_order_locked` in its transaction (`line.partner_order` is that one). The caller
    ends its moves with order_status_refresh."""
    previous = line.status
    if not LINE.allows(previous, to):
        raise IllegalTransition(previous, to)
    line.status = to
    if reason is not None:
        line.status_reason = reason
    if tracking is not None:
        line.carrier, line.tracking_number, line.tracking_url = (
            tracking.carrier,
            tracking.number,
            tracking.url,
        )
    line.save(
        update_fields=["status", "status_reason", "carrier", "tracking_number", "tracking_url"]
    )
    order = line.partner_order.order
    order_event_append(
        order,
        EventType.LINE_STATUS_CHANGED,
        actor,
        {
            **(data or {}),
            "from": previous,
            "to": to,
            "line": line.pk,
            "partner_sku": line.partner_sku,
            "reason": line.status_reason,
            "carrier": line.carrier,
            "tracking_number": line.tracking_number,
            "tracking_url": line.tracking_url,
        },
        partner_order=line.partner_order,
    )
    return line


def order_event_append(
    order: Order,
    event_type: EventType,
    actor: Actor,
    data: dict[str, Any],
    *,
    partner_order: PartnerOrder | None = None,
) -> OrderEvent:
    """Append an event to `order`, in the caller's transaction (checkout, placement)."""
    if isinstance(actor, str):
        who = {"actor": actor}
    else:
        who = {"actor": actor.get_username(), "actor_user": actor}
    return OrderEvent.objects.create(
        order=order, partner_order=partner_order, type=event_type, data=data, **who
    )


def _order_locked(**lookup: Any) -> Order:
    # of=("self",): lock the order row only, not the rows joined to find it.
    return Order.objects.select_for_update(of=("self",)).get(**lookup)


def order_status_refresh(order: Order, actor: Actor) -> None:
    """Store the status derived from the order's partner orders and lines, with an event
    when it changes. The caller holds the order's lock; once after all of a transaction's
    moves, the status changes once."""
    rows = PartnerOrder.objects.filter(order=order).values_list("status", "lines__status")
    status = order_status_derive(line_standing(*row) for row in rows)
    if status == order.status:
        return
    previous, order.status = order.status, status
    order.save(update_fields=["status", "updated_at"])
    order_event_append(
        order, EventType.ORDER_STATUS_CHANGED, actor, {"from": previous, "to": status}
    )
