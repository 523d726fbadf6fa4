"""Which canonical shape each operation's response mapping must produce."""

from collections.abc import Callable
from typing import Any

from partners.mapping.canonical import (
    LOOKUP_AVAILABILITY,
    LOOKUP_KINDS,
    LOOKUP_PRODUCT,
    Availability,
    Product,
    validate_availability,
    validate_order_confirmation,
    validate_order_status_update,
    validate_product,
    validate_search_page,
    validate_similar,
)
from partners.mapping.engine import checked_operation


def _lookup(data: Any, *, operation: str, lookup_kind: str) -> Product | Availability | None:
    """Null means the partner does not carry the item (e.g. `status = 404 ? null : {…}`)."""
    if data is None:
        return None
    if lookup_kind == LOOKUP_AVAILABILITY:
        return validate_availability(data, operation=operation)
    return validate_product(data, operation=operation)


_VALIDATORS: dict[str, Callable[..., Any]] = {
    "search": validate_search_page,
    "similar": validate_similar,
    "place_order": validate_order_confirmation,
    "order_status": validate_order_status_update,
    "cancel_order": validate_order_status_update,
}


def validate_output(operation: str, data: Any, *, lookup_kind: str = LOOKUP_PRODUCT) -> Any:
    """A response mapping's result as its canonical object:

    lookup → Product, or Availability for an availability-only partner (`lookup_kind`
    "availability"), or None (not carried); search → SearchPage; similar → list of Product;
    place_order → OrderConfirmation; order_status and cancel_order → OrderStatusUpdate.
    Raises ShapeError listing every wrong field.
    """
    name = checked_operation(operation)
    kind = str(getattr(lookup_kind, "value", lookup_kind))
    if kind not in LOOKUP_KINDS:
        raise ValueError(f"unknown lookup kind {lookup_kind!r}; expected one of {LOOKUP_KINDS}")
    if name == "lookup":
        return _lookup(data, operation=name, lookup_kind=kind)
    return _VALIDATORS[name](data, operation=name)
