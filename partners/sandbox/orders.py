"""Orders as a partner keeps them: placed once per reference, then accepted → shipped → delivered.

One order book per partner; each partner only renders it in its own vocabulary. Orders are
immutable snapshots replaced on every change, so a request thread can serialise one while the
status ticker advances it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum


class OrderStatus(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


NEXT_STATUS = {
    OrderStatus.ACCEPTED: OrderStatus.SHIPPED,
    OrderStatus.SHIPPED: OrderStatus.DELIVERED,
}


class RejectReason(StrEnum):
    OUT_OF_STOCK = "out_of_stock"
    DECLINED = "declined"


class UnknownSkuError(ValueError):
    def __init__(self, sku: str) -> None:
        super().__init__(f"Unknown SKU {sku!r}")
        self.sku = sku


class OrderNotFoundError(LookupError):
    pass


class OrderTransitionError(ValueError):
    """The order's status does not allow the change (cancel after shipping, advance when done)."""

    def __init__(self, order: Order, wanted: str) -> None:
        super().__init__(f"Order {order.id} is {order.status}; cannot {wanted}")
        self.order = order


@dataclass(frozen=True)
class LineRequest:
    sku: str
    quantity: int


@dataclass(frozen=True)
class OrderLine:
    sku: str
    quantity: int
    unit_cost: Decimal
    reject_reason: RejectReason | None = None

    @property
    def accepted(self) -> bool:
        return self.reject_reason is None


@dataclass(frozen=True)
class Shipment:
    carrier: str
    tracking_number: str
    tracking_url: str


@dataclass(frozen=True)
class Order:
    id: str
    sequence: int
    reference: str
    lines: tuple[OrderLine, ...]
    status: OrderStatus
    placed_at: datetime
    updated_at: datetime
    ship_to: Mapping[str, object] | None = None
    shipment: Shipment | None = None
    # When the status last changed, on the monotonic clock, for advancing over time.
    changed_monotonic: float = field(default=0.0, compare=False)

    @property
    def total(self) -> Decimal:
        return sum(
            (line.unit_cost * line.quantity for line in self.lines if line.accepted), Decimal()
        )


@dataclass(frozen=True)
class OrderCounters:
    """`orders_created` counts distinct orders. `order_requests` counts every request that reached
    the place-order endpoint, refused or faulted ones included, so a test can tell retries apart
    from duplicates."""

    orders_created: int
    order_requests: int


@dataclass(frozen=True)
class Carrier:
    name: str
    tracking_prefix: str


class OrderBook:
    """Orders, stock and counters of one partner, behind one lock.

    Reset starts again from order 1, like a fresh partner account, so tests can expect exact ids.
    """

    def __init__(
        self,
        *,
        order_id: Callable[[int], str],
        carrier: Carrier,
        tracking_url: Callable[[str], str],
        costs: Mapping[str, Decimal],
        stock: Mapping[str, int],
    ) -> None:
        self._order_id = order_id
        self._carrier = carrier
        self._tracking_url = tracking_url
        self._costs = dict(costs)
        self._initial_stock = dict(stock)
        self._lock = threading.Lock()
        self._stock = dict(stock)
        self._orders: dict[str, Order] = {}
        self._by_reference: dict[str, str] = {}
        self._order_requests = 0

    def request_received(self) -> None:
        with self._lock:
            self._order_requests += 1

    def counters(self) -> OrderCounters:
        with self._lock:
            return OrderCounters(len(self._orders), self._order_requests)

    def reset(self) -> None:
        with self._lock:
            self._stock = dict(self._initial_stock)
            self._orders.clear()
            self._by_reference.clear()
            self._order_requests = 0

    def stock(self, sku: str) -> int:
        with self._lock:
            return self._stock[sku]

    def place(
        self,
        *,
        reference: str,
        lines: Sequence[LineRequest],
        ship_to: Mapping[str, object] | None = None,
        decline_first_line: bool = False,
    ) -> tuple[Order, bool]:
        """The order for `reference` and whether this call created it.

        A known reference returns the original order untouched, whatever the new request says:
        a retry must never create a second order. Lines short of stock are rejected one by one;
        an order with no line accepted is kept as REJECTED so that its reference stays used.
        """
        with self._lock:
            existing = self._by_reference.get(reference)
            if existing is not None:
                return self._orders[existing], False
            for line in lines:
                if line.sku not in self._costs:
                    raise UnknownSkuError(line.sku)
            order_lines = []
            for position, line in enumerate(lines):
                reason = None
                if decline_first_line and position == 0:
                    reason = RejectReason.DECLINED
                elif self._stock[line.sku] < line.quantity:
                    reason = RejectReason.OUT_OF_STOCK
                else:
                    self._stock[line.sku] -= line.quantity
                order_lines.append(
                    OrderLine(line.sku, line.quantity, self._costs[line.sku], reason)
                )
            accepted = any(line.accepted for line in order_lines)
            now = datetime.now(UTC)
            sequence = len(self._orders) + 1
            order = Order(
                id=self._order_id(sequence),
                sequence=sequence,
                reference=reference,
                lines=tuple(order_lines),
                status=OrderStatus.ACCEPTED if accepted else OrderStatus.REJECTED,
                placed_at=now,
                updated_at=now,
                ship_to=ship_to,
                changed_monotonic=time.monotonic(),
            )
            self._orders[order.id] = order
            self._by_reference[reference] = order.id
            return order, True

    def get(self, order_id: str) -> Order:
        with self._lock:
            return self._get(order_id)

    def by_tracking_number(self, tracking_number: str) -> Order | None:
        with self._lock:
            for order in self._orders.values():
                if order.shipment and order.shipment.tracking_number == tracking_number:
                    return order
            return None

    def cancel(self, order_id: str) -> tuple[Order, bool]:
        """Cancel before shipping and put the stock back; cancelling twice changes nothing."""
        with self._lock:
            order = self._get(order_id)
            if order.status is OrderStatus.CANCELLED:
                return order, False
            if order.status is not OrderStatus.ACCEPTED:
                raise OrderTransitionError(order, "cancel")
            for line in order.lines:
                if line.accepted:
                    self._stock[line.sku] += line.quantity
            return self._change(order, OrderStatus.CANCELLED), True

    def advance(self, order_id: str, to: OrderStatus | None = None) -> list[Order]:
        """Move one step on (or up to `to`); return the order after each step, for webhooks."""
        with self._lock:
            order = self._get(order_id)
            target = to or NEXT_STATUS.get(order.status)
            path = self._path(order.status, target)
            if not path:
                raise OrderTransitionError(order, f"advance to {target or 'a next status'}")
            changes = []
            for status in path:
                order = self._change(order, status)
                changes.append(order)
            return changes

    def advance_due(self, after_seconds: float) -> list[Order]:
        """Advance each order that has stayed `after_seconds` in its status; return the changes."""
        deadline = time.monotonic() - after_seconds
        with self._lock:
            due = [
                order
                for order in self._orders.values()
                if order.status in NEXT_STATUS and order.changed_monotonic <= deadline
            ]
            return [self._change(order, NEXT_STATUS[order.status]) for order in due]

    def _get(self, order_id: str) -> Order:
        try:
            return self._orders[order_id]
        except KeyError:
            raise OrderNotFoundError(order_id) from None

    @staticmethod
    def _path(current: OrderStatus, target: OrderStatus | None) -> list[OrderStatus]:
        path: list[OrderStatus] = []
        status = current
        while status in NEXT_STATUS and target not in (None, status):
            status = NEXT_STATUS[status]
            path.append(status)
        return path if path and path[-1] is target else []

    def _change(self, order: Order, status: OrderStatus) -> Order:
        shipment = order.shipment
        if status is OrderStatus.SHIPPED:
            number = f"{self._carrier.tracking_prefix}{order.sequence:09d}GB"
            shipment = Shipment(self._carrier.name, number, self._tracking_url(number))
        changed = replace(
            order,
            status=status,
            shipment=shipment,
            updated_at=datetime.now(UTC),
            changed_monotonic=time.monotonic(),
        )
        self._orders[order.id] = changed
        return changed
