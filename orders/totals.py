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
order (ADR 0018), and the same whether the parcel goes to the customer or to the store for
pickup. A partner that takes one item per order gets a partner order per line, each paid on its
own: the partner's one charge (and its free-shipping threshold, judged on all its items) is
shared among them in whole minor units that add up to it (by items for a per-item charge, by
amount otherwise; left-over units to the largest remainders), and each such order's tax is
rounded on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from catalog.money import minor_unit, money_round
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
    """One partner's lines in the order. A partner that takes one item per order gets a
    partner order per line (`Partner.one_item_per_order`)."""

    partner_id: int
    partner_name: str
    shipping: ShippingTerms
    lines: tuple[PricedLine, ...]
    one_item_per_order: bool = False


@dataclass(frozen=True)
class PartnerOrderTotals:
    partner_id: int
    line_numbers: tuple[int, ...]  # positions in the partner's `lines` of this order's lines
    line_amounts: tuple[Decimal, ...]  # in the same order
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
            results += _partner_order_totals(part, pricing)
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


def _partner_order_totals(part: PartnerLines, pricing: PricingContext) -> list[PartnerOrderTotals]:
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

    def totals(numbers: tuple[int, ...], shipping: Decimal) -> PartnerOrderTotals:
        these = tuple(amounts[n] for n in numbers)
        tax = _tax(these, [percents[n] for n in numbers], shipping, store.prices_include_tax)
        tax = money_round(tax, currency)
        subtotal = sum(these, money_round(Decimal(0), currency))
        return PartnerOrderTotals(
            partner_id=part.partner_id,
            line_numbers=numbers,
            line_amounts=these,
            lines_total=subtotal,
            shipping=shipping,
            shipping_exchange_rate=rate,
            tax=tax,
            total=subtotal + shipping + (Decimal(0) if store.prices_include_tax else tax),
        )

    if not part.one_item_per_order:
        return [totals(tuple(range(len(amounts))), shipping)]
    # One charge for the partner's items, shared among its orders like the goods' tax shares
    # it: by items for a per-item charge, by amount otherwise.
    weights = (
        [line.quantity for line in part.lines]
        if part.shipping.rule == ShippingRule.PER_ITEM
        else amounts
    )
    shares = _shared(shipping, weights, currency)
    return [totals((n,), share) for n, share in enumerate(shares)]


def _tax(
    amounts: Sequence[Decimal], percents: Sequence[Decimal], shipping: Decimal, included: bool
) -> Decimal:
    """The tax on `amounts` and on `shipping` shared among them by amount, unrounded.

    Exact fractions until the end: a share of the shipping charge (a third of it, say) has no
    exact Decimal, and a sum of inexact shares could tip a half-cent either way. The one
    division at the end is exact wherever the result is a half-cent."""
    with_shipping = 1 + Fraction(shipping) / Fraction(sum(amounts))
    exact = sum(
        (
            _tax_in(Fraction(amount) * with_shipping, Fraction(percent), included)
            for amount, percent in zip(amounts, percents, strict=True)
        ),
        Fraction(0),
    )
    return Decimal(exact.numerator) / Decimal(exact.denominator)


def _shared(amount: Decimal, weights: Sequence[Decimal | int], currency: str) -> list[Decimal]:
    """`amount` split in proportion to `weights`, in minor units that add up to it exactly:
    each share rounded down, the units left over going to the largest remainders (the first
    of equal ones)."""
    unit = minor_unit(currency)
    units = int(amount / unit)
    total_weight = sum(Fraction(w) for w in weights)
    exact = [units * Fraction(w) / total_weight for w in weights]
    shares = [int(share) for share in exact]
    by_remainder = sorted(range(len(exact)), key=lambda n: shares[n] - exact[n])
    for n in by_remainder[: units - sum(shares)]:
        shares[n] += 1
    return [money_round(share * unit, currency) for share in shares]


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
