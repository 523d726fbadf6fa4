"""What a partner's current answer says about one cart line: our price, stock, delivery, and
whether it can be ordered as it is. Pure functions over a lookup's product views and the
store's pricing; no database here (the callers read pricing and the catalogue once per cart).

The price is always ours, from `catalog.offer_pricing` (as on the product page): never the
partner's cost and never anything a browser sent. A partner's answer is untrusted, so what is
kept of it for the page (name, size, colour…) is bounded here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from catalog.models import MONEY_DIGITS, MONEY_PLACES, PRODUCT_NAME_MAX_LENGTH, CartLine
from catalog.offer_pricing import OfferPricing
from catalog.offers import ProductView, Stock, VariantOffer
from catalog.pricing import Money

ATTRIBUTES_MAX = 8
ATTRIBUTE_NAME_MAX_CHARS = 40
ATTRIBUTE_VALUE_MAX_CHARS = 80
PARTNER_SKU_MAX_CHARS = 64
# The largest number the line's integer columns hold on PostgreSQL, and the first price its
# money column cannot: past them, saving the line fails.
INTEGER_COLUMN_MAX = 2**31 - 1
UNIT_PRICE_LIMIT = Decimal(10) ** (MONEY_DIGITS - MONEY_PLACES)

Problem = CartLine.Problem


@dataclass(frozen=True)
class LineCheck:
    """One line as its partner offers it now. `unit_price` is None when the partner no longer
    offers the item or prices it beyond what a line holds (then `problem` says so)."""

    unit_price: Decimal | None
    currency: str
    product_name: str = ""
    partner_sku: str = ""
    attributes: Mapping[str, str] = field(default_factory=dict)
    available_quantity: int | None = None
    delivery_days: int | None = None
    delivery_date: date | None = None
    problem: str = Problem.NONE
    reason: str = ""
    # For checkout's snapshot and tax: the partner's cost as it charges it (never shown to
    # associates, hence out of the repr), the rate it converts at, the item's category.
    unit_cost: Decimal | None = field(default=None, repr=False)
    cost_currency: str = ""
    exchange_rate: Decimal | None = None
    category: str = ""

    @property
    def orderable(self) -> bool:
        return not self.problem


def line_check(
    *,
    partner_id: int,
    gtin14: str,
    quantity: int,
    views: Iterable[ProductView],
    pricing: OfferPricing,
    partner_name: str,
) -> LineCheck:
    """The line of `quantity` x `gtin14` from `partner_id` as `views` (a lookup of the GTIN
    asking for `quantity`) offer it. Availability is judged before price: "only 2 left" helps
    the associate more than a price of an item that cannot be had."""
    currency = pricing.currency
    found = _partner_offer(views, partner_id, gtin14)
    if found is None:
        return LineCheck(
            unit_price=None,
            currency=currency,
            problem=Problem.UNAVAILABLE,
            reason=f"{partner_name} no longer offers this item.",
        )
    view, offer = found
    price = pricing.price(offer, gtin14)
    entry = pricing.facts.entry(gtin14)
    name = (entry.name if entry is not None else None) or view.name or f"GTIN {gtin14}"
    problem, reason = Problem.NONE, ""
    stock = offer.stock(quantity)
    if stock is Stock.NONE:
        problem = Problem.UNAVAILABLE
        if offer.available_quantity == 0 or quantity == 1:
            reason = f"No longer available from {partner_name}."
        else:
            reason = f"{partner_name} cannot supply {quantity}."
    elif stock is Stock.SHORT:
        problem = Problem.SHORT
        reason = f"Only {offer.available_quantity} left at {partner_name}."
    elif not price.sellable:
        problem = Problem.NOT_SELLABLE
        reason = f"Not sellable: {price.reason}."
    if price.amount is not None and price.amount >= UNIT_PRICE_LIMIT:
        return LineCheck(
            unit_price=None,
            currency=currency,
            problem=Problem.NOT_SELLABLE,
            reason=f"Not sellable: the price from {partner_name} is beyond what a cart holds.",
        )
    available = offer.available_quantity
    days = offer.delivery_days
    cost = _offer_cost(offer, pricing, gtin14)
    return LineCheck(
        unit_price=price.amount,
        currency=currency,
        product_name=name[:PRODUCT_NAME_MAX_LENGTH],
        partner_sku=(offer.partner_sku or "")[:PARTNER_SKU_MAX_CHARS],
        attributes=attributes_bounded(offer.attributes),
        # More than the column holds is plenty all the same; a delivery time past it is no
        # estimate at all.
        available_quantity=None if available is None else min(available, INTEGER_COLUMN_MAX),
        delivery_days=days if days is None or days <= INTEGER_COLUMN_MAX else None,
        delivery_date=offer.delivery_date,
        problem=problem,
        reason=reason,
        unit_cost=cost.amount if cost is not None else None,
        cost_currency=cost.currency if cost is not None else "",
        exchange_rate=price.exchange_rate,
        category=(entry.category if entry is not None and entry.category else None)
        or (offer.product.category if offer.product else None)
        or "",
    )


def _offer_cost(offer: VariantOffer, pricing: OfferPricing, gtin14: str) -> Money | None:
    """The partner's cost of one, in its currency: as its answer says, else the supplier
    item's agreed cost (as pricing takes it)."""
    if offer.cost is not None and offer.currency:
        try:
            return Money(offer.cost, offer.currency)
        except ValueError:
            pass
    terms = pricing.facts.supplier_item(offer.partner.pk, gtin14)
    return terms.cost if terms is not None else None


def attributes_bounded(attributes: Mapping[str, str]) -> dict[str, str]:
    """At most ATTRIBUTES_MAX of the partner's attributes, names and values cut to their
    bounds: enough for size and colour, never a partner's essay."""
    return {
        str(name)[:ATTRIBUTE_NAME_MAX_CHARS]: str(value)[:ATTRIBUTE_VALUE_MAX_CHARS]
        for name, value in list(attributes.items())[:ATTRIBUTES_MAX]
    }


def _partner_offer(
    views: Iterable[ProductView], partner_id: int, gtin14: str
) -> tuple[ProductView, VariantOffer] | None:
    for view in views:
        variant = view.variant(gtin14)
        if variant is None:
            continue
        for offer in variant.offers:
            if offer.partner.pk == partner_id:
                return view, offer
    return None


CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}


def money_display(amount: Decimal, currency: str) -> str:
    """For example "€12.50", or "12.50 CHF" for a currency without a symbol we know."""
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{amount}" if symbol else f"{amount} {currency}"


@dataclass(frozen=True)
class CartChange:
    """What a re-check found changed on one line, in words for the associate."""

    line_id: int
    product_name: str
    partner_name: str
    message: str


def line_changes(line: CartLine, check: LineCheck) -> list[str]:
    """What differs between the line as the associate saw it and `check`, in words; nothing
    for a problem the line shows already."""
    changes = []
    if check.unit_price is not None and (
        check.unit_price != line.unit_price or check.currency != line.currency
    ):
        changes.append(
            f"Price went from {money_display(line.unit_price, line.currency)} to "
            f"{money_display(check.unit_price, check.currency)}."
        )
    if check.problem and (check.problem, check.reason) != (line.problem, line.problem_reason):
        changes.append(check.reason)
    elif not check.problem and line.problem:
        changes.append("Available again.")
    return changes
