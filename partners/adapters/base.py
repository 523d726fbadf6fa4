"""What every adapter offers: the six partner operations in our canonical shapes."""

from abc import ABC, abstractmethod

from partners.mapping import (
    OrderConfirmation,
    OrderRequest,
    OrderStatusUpdate,
    Product,
    SearchPage,
)
from partners.models import Partner
from partners.operations import Operation


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
