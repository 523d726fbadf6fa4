"""Which canonical shape each operation's response mapping must produce."""

from collections.abc import Callable
from typing import Any

from partners.mapping.canonical import (
    Product,
    validate_order_confirmation,
    validate_order_status_update,
    validate_product,
    validate_search_page,
    validate_similar,
)
from partners.mapping.engine import checked_operation


def _lookup(data: Any, *, operation: str) -> Product | None:
    """Null means the partner does not carry the item (e.g. `status = 404 ? null : {…}`)."""
    return None if data is None else validate_product(data, operation=operation)


_VALIDATORS: dict[str, Callable[..., Any]] = {
    "lookup": _lookup,
    "search": validate_search_page,
    "similar": validate_similar,
    "place_order": validate_order_confirmation,
    "order_status": validate_order_status_update,
    "cancel_order": validate_order_status_update,
}


def validate_output(operation: str, data: Any) -> Any:
    """A response mapping's result as its canonical object:

    lookup → Product or None, search → SearchPage, similar → list of Product,
    place_order → OrderConfirmation, order_status and cancel_order → OrderStatusUpdate.
    Raises ShapeError listing every wrong field.
    """
    name = checked_operation(operation)
    return _VALIDATORS[name](data, operation=name)
