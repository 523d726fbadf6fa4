"""Our canonical shapes: what response mappings must produce and what order mappings receive.

Partners that send only part of the picture stay usable: only identifying fields are required,
everything else may be absent. The `validate_*` functions turn a mapping's JSON result into these
frozen objects, or raise ShapeError listing every wrong field with its path and value.

Money (ADR 0012): a variant carries what the partner charges us (`cost`) and its recommended
retail price (`msrp`), both in the variant's one `currency`. Our selling price is the
catalogue's business: no shape a mapping produces or receives carries it. GTINs are kept in the
form partners see (`Gtin.code`: GTIN-13 for retail codes), so equal items compare equal.
"""

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from partners.mapping.fields import MISSING, Fields, Problems
from partners.mapping.gtin import GtinError, gtin_normalise
from partners.mapping.values import to_mapping_value

CONFIRMATION_STATUSES = ("accepted", "rejected", "pending")
UPDATE_STATUSES = ("accepted", "shipped", "delivered", "cancelled", "rejected")
# What a partner's lookup answers (`Partner.lookup_kind`): whole products, or only whether it can
# supply the code in the quantity asked.
LOOKUP_PRODUCT = "product"
LOOKUP_AVAILABILITY = "availability"
LOOKUP_KINDS = (LOOKUP_PRODUCT, LOOKUP_AVAILABILITY)
_COUNTRY = re.compile(r"[A-Z]{2}", re.ASCII)
_CURRENCY = re.compile(r"[A-Z]{3}", re.ASCII)
# Keys a mapping might still produce from before a rename, and what to write instead.
_VARIANT_HINTS = {
    "price": "(there is no price: map what the partner charges us to cost and its recommended "
    "retail price to msrp; our selling price is set by the catalogue)",
}


@dataclass(frozen=True)
class Variant:
    """One orderable item of a product. `partner_sku` may be absent when the partner names its
    items by GTIN alone; at least one of the two is there. `cost` and `msrp` are in `currency`."""

    partner_sku: str | None = None
    gtin: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    cost: Decimal | None = None
    msrp: Decimal | None = None
    currency: str | None = None
    available_quantity: int | None = None
    delivery_days: int | None = None
    delivery_date: date | None = None


@dataclass(frozen=True)
class Product:
    partner_product_id: str
    name: str | None = None
    brand: str | None = None
    description: str | None = None
    category: str | None = None
    images: tuple[str, ...] = ()
    variants: tuple[Variant, ...] = ()
    similar: tuple[str, ...] = ()
    currency: str | None = None


@dataclass(frozen=True)
class Availability:
    """An availability-only partner's answer to a lookup: whether it can supply the code in the
    quantity asked (`$input.quantity`). No name, price or variants: the catalogue has those.
    `partner_sku` is the partner's own code for the item, when it says one."""

    available: bool
    available_quantity: int | None = None
    delivery_days: int | None = None
    delivery_date: date | None = None
    partner_sku: str | None = None


@dataclass(frozen=True)
class SearchPage:
    products: tuple[Product, ...] = ()
    next_page: str | int | None = None
    total: int | None = None


@dataclass(frozen=True, kw_only=True)
class OrderLine:
    """One item ordered: the partner's SKU, the GTIN, or both (partners that order by GTIN
    need no SKU). `unit_cost` is what the partner charges us for one, in `currency`; our selling
    price is deliberately not here (ADR 0012). The GTIN is kept in the form partners see."""

    partner_sku: str | None = None
    gtin: str | None = None
    quantity: int
    unit_cost: Decimal
    currency: str

    def __post_init__(self) -> None:
        if self.partner_sku is None and self.gtin is None:
            raise ValueError("an order line needs a partner_sku or a gtin")
        if self.partner_sku is not None and (
            not isinstance(self.partner_sku, str) or not self.partner_sku.strip()
        ):
            raise ValueError(f"partner_sku must be non-empty text, got {self.partner_sku!r}")
        if self.gtin is not None:
            try:
                object.__setattr__(self, "gtin", gtin_normalise(self.gtin).code)
            except GtinError as error:
                raise ValueError(f"gtin: {error}") from None
        if isinstance(self.quantity, bool) or not isinstance(self.quantity, int):
            raise ValueError(f"quantity must be an int, got {self.quantity!r}")
        if self.quantity <= 0:
            raise ValueError(f"quantity must be more than 0, got {self.quantity}")
        if not isinstance(self.unit_cost, Decimal) or not self.unit_cost >= 0:
            raise ValueError(f"unit_cost must be a Decimal of 0 or more, got {self.unit_cost!r}")
        if not _CURRENCY.fullmatch(self.currency):
            raise ValueError(f"currency must be an ISO 4217 code, got {self.currency!r}")


@dataclass(frozen=True, kw_only=True)
class Address:
    name: str
    line1: str
    line2: str | None = None
    city: str
    region: str | None = None
    postal_code: str
    country: str

    def __post_init__(self) -> None:
        if not _COUNTRY.fullmatch(self.country):
            raise ValueError(f"country must be ISO 3166 alpha-2, got {self.country!r}")


@dataclass(frozen=True, kw_only=True)
class Contact:
    name: str
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, kw_only=True)
class OrderRequest:
    """What a place_order request mapping receives, as `to_mapping_input()`. A partner that
    takes one item per order (`Partner.one_item_per_order`) gets requests of exactly one line."""

    reference: str
    idempotency_key: str
    lines: tuple[OrderLine, ...]
    ship_to: Address
    customer: Contact

    def __post_init__(self) -> None:
        if not self.lines:
            raise ValueError("an order needs at least one line")

    def to_mapping_input(self) -> dict[str, Any]:
        """Plain JSON: prices as numbers, every field present (null when unknown)."""
        return to_mapping_value(dataclasses.asdict(self), max_depth=4)


@dataclass(frozen=True, kw_only=True)
class ConfirmationLine:
    """A line as the partner confirms it, named by its SKU, its GTIN or both."""

    partner_sku: str | None = None
    gtin: str | None = None
    accepted: bool
    reason: str | None = None


@dataclass(frozen=True)
class OrderConfirmation:
    """`duplicate` is true when the partner says it already had this order (e.g. a 409 answered
    with the original id): the order was placed once, by the earlier attempt."""

    partner_order_id: str
    status: str
    lines: tuple[ConfirmationLine, ...] = ()
    expected_ship_date: date | None = None
    duplicate: bool = False


@dataclass(frozen=True, kw_only=True)
class StatusLine:
    """A line of a status update, named by its SKU, its GTIN or both."""

    partner_sku: str | None = None
    gtin: str | None = None
    quantity: int | None = None
    accepted: bool | None = None
    reason: str | None = None


@dataclass(frozen=True)
class OrderStatusUpdate:
    partner_order_id: str
    status: str
    lines: tuple[StatusLine, ...] = ()
    carrier: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    at: datetime | None = None


def _known(shape: type) -> tuple[str, ...]:
    return tuple(item.name for item in dataclasses.fields(shape))


def validate_availability(data: Any, *, operation: str) -> Availability:
    """Also accepts a bare true or false, e.g. a mapping `body.in_stock`."""
    if isinstance(data, bool):
        return Availability(available=data)
    problems = Problems(operation)
    fields = Fields(data, "", problems, known=_known(Availability))
    availability = Availability(
        available=bool(fields.boolean("available", required=True)),
        available_quantity=fields.integer("available_quantity", minimum=0),
        delivery_days=fields.integer("delivery_days", minimum=0),
        delivery_date=fields.iso_date("delivery_date"),
        partner_sku=fields.identifier("partner_sku", required=False),
    )
    problems.raise_if_any("availability")
    return availability


def validate_variant(data: Any, *, operation: str) -> Variant:
    problems = Problems(operation)
    variant = _read_variant(data, "", problems, product_currency=None)
    problems.raise_if_any("variant")
    return variant


def validate_product(data: Any, *, operation: str) -> Product:
    problems = Problems(operation)
    product = _read_product(data, "", problems)
    problems.raise_if_any("product")
    return product


def validate_search_page(data: Any, *, operation: str) -> SearchPage:
    """Also accepts a bare list of products, a lone product, and null (no results)."""
    if data is None:
        return SearchPage()
    if isinstance(data, list) or (isinstance(data, dict) and "partner_product_id" in data):
        data = {"products": data}
    problems = Problems(operation)
    fields = Fields(data, "", problems, known=_known(SearchPage))
    next_page = fields.raw("next_page")
    if isinstance(next_page, bool) or not isinstance(next_page, str | int | None):
        fields.report("next_page", "must be text or a whole number", next_page)
        next_page = None
    page = SearchPage(
        products=tuple(
            _read_product(item, path, problems)
            for path, item in fields.items("products", single=dict)
        ),
        next_page=next_page,
        total=fields.integer("total", minimum=0),
    )
    problems.raise_if_any("search page")
    return page


def validate_similar(data: Any, *, operation: str) -> list[Product]:
    """A list of products, or of bare partner product ids (each becomes a Product with only its
    id); null means none."""
    problems = Problems(operation)
    products = []
    for path, item in Fields({"similar": data}, "", problems, known=("similar",)).items(
        "similar", single=(str, int, dict)
    ):
        if isinstance(item, dict):
            products.append(_read_product(item, path, problems))
        else:
            products.append(_read_product({"partner_product_id": item}, path, problems))
    problems.raise_if_any("list of similar products")
    return products


def validate_order_confirmation(data: Any, *, operation: str) -> OrderConfirmation:
    problems = Problems(operation)
    fields = Fields(data, "", problems, known=_known(OrderConfirmation))
    lines = []
    for path, item in fields.items("lines", single=dict):
        line = Fields(item, path, problems, known=_known(ConfirmationLine))
        partner_sku, gtin = _line_identity(line)
        lines.append(
            ConfirmationLine(
                partner_sku=partner_sku,
                gtin=gtin,
                accepted=line.boolean("accepted", required=True),
                reason=line.text("reason"),
            )
        )
    confirmation = OrderConfirmation(
        partner_order_id=fields.identifier("partner_order_id"),
        status=fields.status("status", CONFIRMATION_STATUSES),
        lines=tuple(lines),
        expected_ship_date=fields.iso_date("expected_ship_date"),
        duplicate=bool(fields.boolean("duplicate")),
    )
    problems.raise_if_any("order confirmation")
    return confirmation


def validate_order_status_update(data: Any, *, operation: str) -> OrderStatusUpdate:
    problems = Problems(operation)
    fields = Fields(data, "", problems, known=_known(OrderStatusUpdate))
    lines = []
    for path, item in fields.items("lines", single=dict):
        line = Fields(item, path, problems, known=_known(StatusLine))
        partner_sku, gtin = _line_identity(line)
        lines.append(
            StatusLine(
                partner_sku=partner_sku,
                gtin=gtin,
                quantity=line.integer("quantity", minimum=1),
                accepted=line.boolean("accepted"),
                reason=line.text("reason"),
            )
        )
    update = OrderStatusUpdate(
        partner_order_id=fields.identifier("partner_order_id"),
        status=fields.status("status", UPDATE_STATUSES),
        lines=tuple(lines),
        carrier=fields.text("carrier"),
        tracking_number=fields.identifier("tracking_number", required=False),
        tracking_url=fields.url("tracking_url"),
        at=fields.iso_datetime("at"),
    )
    problems.raise_if_any("order status update")
    return update


def _read_product(data: Any, path: str, problems: Problems) -> Product:
    fields = Fields(data, path, problems, known=_known(Product))
    currency = fields.currency("currency")
    return Product(
        partner_product_id=fields.identifier("partner_product_id"),
        name=fields.text("name"),
        brand=fields.text("brand"),
        description=fields.text("description"),
        category=fields.text("category"),
        images=fields.urls("images"),
        variants=tuple(
            _read_variant(item, item_path, problems, product_currency=currency)
            for item_path, item in fields.items("variants", single=dict)
        ),
        similar=fields.identifiers("similar"),
        currency=currency,
    )


def _read_variant(
    data: Any, path: str, problems: Problems, *, product_currency: str | None
) -> Variant:
    fields = Fields(data, path, problems, known=_known(Variant), hints=_VARIANT_HINTS)
    partner_sku, gtin = _line_identity(fields)
    cost, msrp = fields.decimal("cost"), fields.decimal("msrp")
    currency = fields.currency("currency") or product_currency
    if (cost is not None or msrp is not None) and currency is None and not fields.raw("currency"):
        fields.report(
            "currency",
            "is required when cost or msrp is given: an amount without its currency is a guess "
            '(set it on the variant or on the product, e.g. "GBP")',
        )
    return Variant(
        partner_sku=partner_sku,
        gtin=gtin,
        attributes=fields.text_map("attributes"),
        cost=cost,
        msrp=msrp,
        currency=currency,
        available_quantity=fields.integer("available_quantity", minimum=0),
        delivery_days=fields.integer("delivery_days", minimum=0),
        delivery_date=fields.iso_date("delivery_date"),
    )


def _line_identity(fields: Fields) -> tuple[str | None, str | None]:
    """(partner_sku, gtin) of a variant or order line: at least one is required."""
    partner_sku = fields.identifier("partner_sku", required=False)
    gtin = fields.gtin("gtin")
    if partner_sku is None and gtin is None and fields.raw("gtin") is None:
        fields.report(
            "partner_sku",
            "is required unless gtin is given",
            fields.data.get("partner_sku", MISSING),
        )
    return partner_sku, gtin
