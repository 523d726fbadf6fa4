"""What every adapter offers: the six partner operations in our canonical shapes."""

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from partners.http import Delivery, PartnerCallError
from partners.mapping import (
    Availability,
    OrderConfirmation,
    OrderRequest,
    OrderStatusUpdate,
    Product,
    SearchPage,
)
from partners.models import Partner, PartnerCall
from partners.operations import Operation
from partners.selectors import partner_accepts_new_work


class PartnerNotAcceptingWork(PartnerCallError):
    """The partner is paused or retired: nothing new is sent to it (nothing was sent)."""

    outcome = PartnerCall.Outcome.UNAVAILABLE
    default_delivery = Delivery.NOT_SENT


@dataclass
class CallTrace:
    """Every step of one operation, for the admin's Test connection page and for errors."""

    operation: str
    request_line: str = ""
    request_body: str = field(default="", repr=False)  # may hold customer data: shown, not kept
    status: int | None = None
    latency_ms: int | None = None
    raw_body: str = ""
    # The answer the response mapping saw, whole (raw_body is cut for display).
    response_headers: dict[str, str] = field(default_factory=dict, repr=False)
    response_body: bytes = field(default=b"", repr=False)
    mapped: Any = None
    result: Any = None
    error: PartnerCallError | None = None
    errors: list[str] = field(default_factory=list)
    call_row: PartnerCall | None = field(default=None, repr=False)


class PartnerAdapter(ABC):
    def __init__(self, partner: Partner) -> None:
        self.partner = partner

    @abstractmethod
    def supports(self, operation: Operation) -> bool:
        """False for operations the partner does not offer: the UI then hides the action."""

    @abstractmethod
    def lookup(self, code: str, quantity: int = 1) -> Product | Availability | None:
        """The product carrying this barcode or product number (for an availability-only
        partner: whether it can supply `quantity` of it); None when not carried."""

    @abstractmethod
    def search(self, query: str, page: int = 1) -> SearchPage: ...

    @abstractmethod
    def similar(self, partner_product_id: str) -> list[Product]: ...

    @abstractmethod
    def place_order(self, order: OrderRequest, *, resend: bool = False) -> OrderConfirmation:
        """Call `new_work_check` unless `resend` (the same order sent again: allowed for a paused
        or retired partner), then `order_fits_partner`: a one-item-per-order partner gets one
        line."""

    @abstractmethod
    def order_status(self, partner_order_id: str) -> OrderStatusUpdate: ...

    @abstractmethod
    def cancel_order(self, partner_order_id: str) -> OrderStatusUpdate: ...

    def new_work_check(self, operation: Operation) -> None:
        """Raise PartnerNotAcceptingWork for new work (a lookup, search, similar items or a new
        order) to a paused or retired partner. Every adapter calls it first in those methods;
        order status, cancelling and re-sending an order placed before stay allowed."""
        if not partner_accepts_new_work(self.partner):
            raise PartnerNotAcceptingWork(
                f"{self.partner} is {self.partner.get_status_display().lower()}: it takes no "
                f"new {operation.label.lower()} requests. Orders already placed can still be "
                "checked, cancelled or sent again.",
                operation=operation,
                partner=self.partner.slug,
            )

    def trace(self, operation: Operation | str, data: dict) -> CallTrace:
        """Run a read operation for the admin's Test connection. A code adapter shows only the
        result or the error; the declarative adapter overrides this with every step."""
        operation = Operation(operation)
        call = {
            Operation.LOOKUP: lambda: self.lookup(data["code"], data.get("quantity", 1)),
            Operation.SEARCH: lambda: self.search(data["query"], data.get("page", 1)),
            Operation.SIMILAR: lambda: self.similar(data["partner_product_id"]),
            Operation.ORDER_STATUS: lambda: self.order_status(data["partner_order_id"]),
        }[operation]
        return call_traced(operation, call)


def call_traced(operation: Operation, call: Callable[[], Any]) -> CallTrace:
    """What a code adapter's trace shows: `call()`'s result, or the PartnerCallError it raised."""
    trace = CallTrace(operation=operation)
    try:
        trace.result = call()
    except PartnerCallError as error:
        trace.error = error
        trace.errors.append(str(error))
    return trace


def order_fits_partner(partner: Partner, order: OrderRequest) -> None:
    """Raise ValueError, before anything is sent, for an order of several lines to a partner that
    takes one item per order: the order pipeline must send each line as its own order."""
    if partner.one_item_per_order and len(order.lines) != 1:
        raise ValueError(
            f"{partner} takes one item per order: send each of the {len(order.lines)} lines "
            "as its own order, with its own reference and idempotency key"
        )
