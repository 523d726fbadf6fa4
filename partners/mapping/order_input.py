"""A sample order typed as JSON (the preview's place_order input), read into an OrderRequest.

The text is untrusted: it is size-capped before it is parsed, and every problem names its field
(`lines[1].quantity`), so the merchandiser can fix all of them at once.
"""

import dataclasses
import json
from decimal import Decimal
from typing import Any

from partners.bounded_json import json_loads_bounded
from partners.mapping.canonical import Address, Contact, OrderLine, OrderRequest

MAX_ORDER_CHARS = 20_000
MAX_ORDER_LINES = 50
MAX_TEXT_CHARS = 200


class OrderInputError(ValueError):
    """The typed order is not an order; `problems` are sentences naming each wrong field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def order_request_to_json(order: OrderRequest) -> str:
    """The order as the merchandiser edits it: the shape a place_order mapping receives."""
    return json.dumps(order.to_mapping_input(), indent=2, ensure_ascii=False)


def order_request_from_json(text: str) -> OrderRequest:
    """Read `text` (an order in the shape `order_request_to_json` writes) or raise
    OrderInputError listing every problem."""
    if len(text) > MAX_ORDER_CHARS:
        raise OrderInputError(
            [f"the order is {len(text):,} characters long; at most {MAX_ORDER_CHARS:,} are allowed"]
        )
    try:
        data = json_loads_bounded(text, parse_float=Decimal)
    except ValueError as error:
        raise OrderInputError([f"the order is not valid JSON: {error}"]) from None
    problems: list[str] = []
    order = _order(data, problems)
    if problems or order is None:
        raise OrderInputError(problems)
    return order


def _order(data: Any, problems: list[str]) -> OrderRequest | None:
    fields = _fields(OrderRequest, data, "order", problems)
    if fields is None:
        return None
    lines = fields.get("lines")
    if not isinstance(lines, list) or not lines:
        problems.append("lines: must be a list of one line or more")
        lines = []
    elif len(lines) > MAX_ORDER_LINES:
        problems.append(f"lines: at most {MAX_ORDER_LINES} lines, got {len(lines)}")
        lines = []
    read_lines = [_line(item, f"lines[{index}]", problems) for index, item in enumerate(lines)]
    ship_to = _built(Address, fields.get("ship_to"), "ship_to", problems)
    customer = _built(Contact, fields.get("customer"), "customer", problems)
    for name in ("reference", "idempotency_key"):
        _text(fields.get(name), name, problems, required=True)
    if problems:
        return None
    return OrderRequest(
        reference=fields["reference"],
        idempotency_key=fields["idempotency_key"],
        lines=tuple(read_lines),
        ship_to=ship_to,
        customer=customer,
    )


def _line(data: Any, path: str, problems: list[str]) -> OrderLine | None:
    fields = _fields(OrderLine, data, path, problems)
    if fields is None:
        return None
    cost = fields.get("unit_cost")
    if isinstance(cost, int) and not isinstance(cost, bool):
        fields["unit_cost"] = Decimal(cost)
    elif not isinstance(cost, Decimal):
        problems.append(f"{path}.unit_cost: must be a number, got {_shown(cost)}")
        return None
    for name in ("partner_sku", "gtin", "currency"):
        if not _text(fields.get(name), f"{path}.{name}", problems, required=name == "currency"):
            return None
    try:
        return OrderLine(**fields)
    except ValueError as error:
        problems.append(f"{path}: {error}")
        return None


def _built(shape: type, data: Any, path: str, problems: list[str]) -> Any:
    """An Address or Contact: every field text (or null where optional)."""
    fields = _fields(shape, data, path, problems)
    if fields is None:
        return None
    required = {item.name for item in dataclasses.fields(shape) if _is_required(item)}
    if not all(
        _text(value, f"{path}.{name}", problems, required=name in required)
        for name, value in fields.items()
    ):
        return None
    try:
        return shape(**fields)
    except ValueError as error:
        problems.append(f"{path}: {error}")
        return None


def _fields(shape: type, data: Any, path: str, problems: list[str]) -> dict[str, Any] | None:
    """`data` as keyword arguments of `shape`: an object with no unknown and no missing field."""
    if not isinstance(data, dict):
        problems.append(f"{path}: must be an object")
        return None
    known = {item.name: item for item in dataclasses.fields(shape)}
    unknown = sorted(set(data) - set(known))
    missing = [name for name, item in known.items() if _is_required(item) and name not in data]
    for name in unknown:
        problems.append(f"{path}.{name}: is not a field of an order")
    for name in missing:
        problems.append(f"{path}.{name}: is required")
    if unknown or missing:
        return None
    return dict(data)


def _text(value: Any, path: str, problems: list[str], *, required: bool) -> bool:
    if value is None and not required:
        return True
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{path}: must be text, got {_shown(value)}")
        return False
    if len(value) > MAX_TEXT_CHARS:
        problems.append(f"{path}: at most {MAX_TEXT_CHARS} characters, got {len(value)}")
        return False
    return True


def _is_required(item: dataclasses.Field) -> bool:
    return item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING


def _shown(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)[:40]
