"""What every adapter offers: the six partner operations in our canonical shapes."""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from partners.http import PartnerCallError
from partners.mapping import (
    OrderConfirmation,
    OrderRequest,
    OrderStatusUpdate,
    Product,
    SearchPage,
)
from partners.models import Partner
from partners.operations import Operation


@dataclass
class CallTrace:
    """Every step of one operation, for the admin's Test connection page and for errors."""

    operation: str
    request_line: str = ""
    status: int | None = None
    latency_ms: int | None = None
    raw_body: str = ""
    mapped: Any = None
    result: Any = None
    error: PartnerCallError | None = None
    errors: list[str] = field(default_factory=list)
    call_id: int | None = None


class PartnerAdapter(ABC):
    def __init__(self, partner: Partner) -> None:
        self.partner = partner

    @abstractmethod
    def supports(self, operation: Operation) -> bool:
        """False for operations the partner does not offer: the UI then hides the action."""

    @abstractmethod
    def lookup(self, code: str) -> Product | None:
        """The product carrying this barcode or product number; None when not carried."""

    @abstractmethod
    def search(self, query: str, page: int = 1) -> SearchPage: ...

    @abstractmethod
    def similar(self, partner_product_id: str) -> list[Product]: ...

    @abstractmethod
    def place_order(self, order: OrderRequest) -> OrderConfirmation: ...

    @abstractmethod
    def order_status(self, partner_order_id: str) -> OrderStatusUpdate: ...

    @abstractmethod
    def cancel_order(self, partner_order_id: str) -> OrderStatusUpdate: ...

    def trace(self, operation: Operation | str, data: dict) -> CallTrace:
        """Run a read operation for the admin's Test connection. A code adapter shows only the
        result or the error; the declarative adapter overrides this with every step."""
        operation = Operation(operation)
        trace = CallTrace(operation=operation)
        call = {
            Operation.LOOKUP: lambda: self.lookup(data["code"]),
            Operation.SEARCH: lambda: self.search(data["query"], data.get("page", 1)),
            Operation.SIMILAR: lambda: self.similar(data["partner_product_id"]),
            Operation.ORDER_STATUS: lambda: self.order_status(data["partner_order_id"]),
        }[operation]
        try:
            trace.result = call()
        except PartnerCallError as error:
            trace.error = error
            trace.errors.append(str(error))
        return trace
