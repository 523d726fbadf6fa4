"""The money of a checkout: each partner order's lines, shipping charge and tax, and the
order's totals. Pure functions over dataclasses, no database, so checkout and re-pricing
compute the same amounts (read the store's pricing once with
`catalog.selectors.pricing_context_for`).

All amounts are Decimal in the store's currency. Prices are what the customer sees: gross in a
store whose prices include tax, net in the others.

Rounding, half up to the currency's minor unit (`catalog.money.money_round`), once per amount:

- a **line** is `unit price x quantity`, rounded once (3 x 0.335 = 1.005 → 1.01; the unit
  price is never rounded on its own first);
- a **shipping charge** is the rule's amount (x items for a per-item rule) x the exchange rate,
  rounded once. The free-shipping threshold is converted but not rounded before comparing;
- **tax** is computed exactly (as fractions) on every line and on the shipping charge, summed,
  and rounded once per partner order. In a tax-inclusive store it is extracted
  (gross x rate ÷ (100 + rate)); in the others it is added (net x rate ÷ 100);
- the partner order's total and the order's totals are sums of rounded amounts, so they add up
  exactly on a receipt.

Shipping is taxed like the goods it carries: its charge is shared among the partner order's
lines in proportion to their amounts, and each share takes its line's rate (so one rate when
all lines have one). The charge is in the store's prices' terms: gross in a tax-inclusive store,
net with tax added in the others.

Shipping is charged per partner: "per order" once for the partner's items in the customer's
order, also for a partner that takes one item per order (ADR 0018), and the same whether the
parcel goes to the customer or to the store for pickup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from catalog.money import money_round
from catalog.pricing import PricingContext, category_key
from partners.facts import ShippingRule


class TotalsRefused(ValueError):
    """The checkout's totals cannot be computed; `reasons` says why, for the associate."""

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = tuple(reasons)


@dataclass(frozen=True)
class ShippingTerms:
    """A partner's shipping rule (partners/facts.py); amounts in `currency`."""

    rule: str
    amount: Decimal | None = None
    free_above: Decimal | None = None
    currency: str = ""

    @classmethod
    def of(cls, partner: Any) -> ShippingTerms:
        return cls(
            rule=partner.shipping_rule,
            amount=partner.shipping_amount,
            free_above=partner.shipping_free_above,
            currency=partner.shipping_currency,
        )


@dataclass(frozen=True)
class PricedLine:
    """A line at our selling price in the store's currency; `category` sets its tax rate."""

    unit_price: Decimal
    quantity: int
    category: str = ""


@dataclass(frozen=True)
class PartnerLines:
    """One partner's lines in the order."""

    partner_id: int
    partner_name: str
    shipping: ShippingTerms
    lines: tuple[PricedLine, ...]


@dataclass(frozen=True)
class PartnerOrderTotals:
    partner_id: int
    line_amounts: tuple[Decimal, ...]  # in the order of the lines given
    lines_total: Decimal
    shipping: Decimal
    shipping_exchange_rate: Decimal | None  # None when nothing was converted
    tax: Decimal  # included in the amounts in a tax-inclusive store, added in the others
    total: Decimal


@dataclass(frozen=True)
class CheckoutTotals:
    currency: str
    prices_include_tax: bool
    partner_orders: tuple[PartnerOrderTotals, ...]
    lines_total: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal


def checkout_totals(*, parts: Iterable[PartnerLines], pricing: PricingContext) -> CheckoutTotals:
    """The totals of an order of `parts` at the store `pricing` is for. Raises TotalsRefused
    with every reason found (missing exchange or tax rate, a partner without a shipping rule)."""
    store = pricing.store
    currency = store.currency
    results, reasons = [], []
    for part in parts:
        try:
            results.append(_partner_order_totals(part, pricing))
        except TotalsRefused as refused:
            reasons += refused.reasons
    if reasons:
        raise TotalsRefused(reasons)
    zero = money_round(Decimal(0), currency)
    return CheckoutTotals(
        currency=currency,
        prices_include_tax=store.prices_include_tax,
        partner_orders=tuple(results),
        lines_total=sum((r.lines_total for r in results), zero),
        shipping=sum((r.shipping for r in results), zero),
        tax=sum((r.tax for r in results), zero),
        total=sum((r.total for r in results), zero),
    )


def _partner_order_totals(part: PartnerLines, pricing: PricingContext) -> PartnerOrderTotals:
    store = pricing.store
    currency = store.currency
    if not part.lines:
        raise ValueError(f"{part.partner_name} has no lines")
    reasons = []
    percents = []
    for line in part.lines:
        percent = store.tax_percent(category_key(line.category))
        if percent is None:
            reasons.append(
                f"no tax rate for {category_key(line.category) or 'items without a category'} "
                f"at {store.code}"
            )
        percents.append(percent)
    amounts = tuple(money_round(line.unit_price * line.quantity, currency) for line in part.lines)
    lines_total = sum(amounts, money_round(Decimal(0), currency))
    try:
        shipping, rate = _shipping_charge(part, lines_total, pricing)
    except TotalsRefused as refused:
        reasons += refused.reasons
    if reasons:
        raise TotalsRefused(reasons)
    # Exact fractions until the one rounding: a share of the shipping charge (a third of it,
    # say) has no exact Decimal, and a sum of inexact shares could tip a half-cent either way.
    with_shipping = 1 + Fraction(shipping) / Fraction(lines_total)
    exact_tax = sum(
        (
            _tax_in(Fraction(amount) * with_shipping, Fraction(percent), store.prices_include_tax)
            for amount, percent in zip(amounts, percents, strict=True)
        ),
        Fraction(0),
    )
    tax = money_round(Decimal(exact_tax.numerator) / Decimal(exact_tax.denominator), currency)
    total = lines_total + shipping + (Decimal(0) if store.prices_include_tax else tax)
    return PartnerOrderTotals(
        partner_id=part.partner_id,
        line_amounts=amounts,
        lines_total=lines_total,
        shipping=shipping,
        shipping_exchange_rate=rate,
        tax=tax,
        total=total,
    )


def _tax_in(amount: Fraction, percent: Fraction, included: bool) -> Fraction:
    if included:
        return amount * percent / (100 + percent)
    return amount * percent / 100


def _shipping_charge(
    part: PartnerLines, lines_total: Decimal, pricing: PricingContext
) -> tuple[Decimal, Decimal | None]:
    """The charge in the store's currency, rounded, and the exchange rate it was converted at
    (None when it was not)."""
    terms = part.shipping
    currency = pricing.store.currency
    zero = money_round(Decimal(0), currency)
    if terms.rule == ShippingRule.FREE:
        return zero, None
    if terms.rule not in (ShippingRule.PER_ORDER, ShippingRule.PER_ITEM) or terms.amount is None:
        raise TotalsRefused([f"{part.partner_name} has no shipping charge set"])
    rate = pricing.rate(terms.currency, currency)
    if rate is None:
        raise TotalsRefused(
            [f"no exchange rate {terms.currency}→{currency} for {part.partner_name}'s shipping"]
        )
    used_rate = None if terms.currency == currency else rate
    if terms.free_above is not None and lines_total >= terms.free_above * rate:
        return zero, used_rate
    units = sum(line.quantity for line in part.lines) if terms.rule == ShippingRule.PER_ITEM else 1
    return money_round(terms.amount * units * rate, currency), used_rate
