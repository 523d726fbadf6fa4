"""The retailer's selling price of a partner's offer, and whether it may be sold.

Pure functions over plain values: no database here. `catalog.selectors.pricing_context_for(store)`
reads the store's rules, exchange rates and tax rates once; `PricingContext.price(...)` then
prices any number of offers without another query.

Where the price comes from, first that applies (docs/catalogue-and-prices.md):

1. the product master's retail price in the store's currency (the retailer's own price);
2. the partner's MSRP, when the pricing rule that applies says to use it and the partner sent one;
3. the partner's cost (or the supplier item's agreed cost) marked up by that rule.

The rule that applies is the most specific one: partner and category, then partner, then
category, then the rule for everything. Rounding applies to the price the customer sees (the
gross price in a store whose prices include tax) and only ever rounds up, so it never lowers a
price below what the markup gave. Every price is checked against the rule's margin floor (no rule:
never below cost); without a known cost that check is impossible and the offer is not sellable.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum

from catalog.money import currency_decimals, minor_unit, money_round

HUNDRED = Decimal(100)
PERCENT_PLACES = Decimal("0.01")


class Rounding(StrEnum):
    EXACT = "exact"
    UP_TO_99 = "up_99"
    UP_TO_95 = "up_95"
    UP_TO_WHOLE = "up_whole"

    @property
    def label(self) -> str:
        return ROUNDING_LABELS[self]


ROUNDING_LABELS = {
    Rounding.EXACT: "None: to the penny/cent",
    Rounding.UP_TO_99: "Up to .99 (49.99)",
    Rounding.UP_TO_95: "Up to .95 (49.95)",
    Rounding.UP_TO_WHOLE: "Up to a whole amount (50.00)",
}
_ENDINGS = {Rounding.UP_TO_99: Decimal("0.99"), Rounding.UP_TO_95: Decimal("0.95")}


class PriceSource(StrEnum):
    MASTER = "master"
    MSRP = "msrp"
    MARKUP = "markup"


class PriceProblem(StrEnum):
    """Why an offer cannot be sold. The words shown for each never include a cost or margin:
    associates and kiosks see them."""

    NO_EXCHANGE_RATE = "no_exchange_rate"
    NO_TAX_RATE = "no_tax_rate"
    NO_PRICING_RULE = "no_pricing_rule"
    NO_PRICE = "no_price"
    NO_COST = "no_cost"
    BELOW_MARGIN_FLOOR = "below_margin_floor"


def category_key(category: str | None) -> str:
    """The form categories are compared in: "  Home  Decor" and "home decor" are one category."""
    return " ".join((category or "").split()).casefold()


def price_rounded(amount: Decimal, rounding: Rounding, currency: str) -> Decimal:
    """`amount` in `currency` rounded up to the next price point of `rounding` (an amount
    already on one stays). A currency without decimals has no .99: it rounds to whole units."""
    amount = money_round(amount, currency)
    if rounding is Rounding.EXACT:
        return amount
    if rounding is Rounding.UP_TO_WHOLE or currency_decimals(currency) == 0:
        return amount.to_integral_value(rounding=ROUND_CEILING).quantize(minor_unit(currency))
    candidate = amount.to_integral_value(rounding=ROUND_FLOOR) + _ENDINGS[rounding]
    if candidate < amount:
        candidate += 1
    return candidate.quantize(minor_unit(currency))


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise ValueError(f"an amount must be a finite Decimal, got {self.amount!r}")
        if self.amount < 0:
            raise ValueError(f"an amount must not be negative, got {self.amount}")
        if not (
            isinstance(self.currency, str)
            and len(self.currency) == 3
            and self.currency.isascii()
            and self.currency.isupper()
        ):
            raise ValueError(f"currency must be an ISO 4217 code, got {self.currency!r}")


@dataclass(frozen=True)
class PriceRule:
    """A pricing rule as pricing needs it. `partner_id` None and `category` "" match any."""

    markup_percent: Decimal
    margin_floor_percent: Decimal
    rounding: Rounding = Rounding.EXACT
    use_msrp: bool = False
    partner_id: int | None = None
    category: str = ""
    rule_id: int | None = None

    @property
    def specificity(self) -> int:
        """Partner and category 3, partner 2, category 1, everything 0: a partner's terms
        outrank a category's."""
        return (2 if self.partner_id is not None else 0) + (1 if self.category else 0)

    def matches(self, partner_id: int, category: str) -> bool:
        return self.partner_id in (None, partner_id) and self.category in ("", category)


@dataclass(frozen=True)
class StorePricing:
    """What pricing needs of a store. `tax_percents` maps category keys to the store's rate;
    the key "" holds the rate of every category without its own."""

    code: str
    currency: str
    prices_include_tax: bool
    tax_percents: Mapping[str, Decimal] = field(default_factory=dict)

    def tax_percent(self, category: str) -> Decimal | None:
        return self.tax_percents.get(category, self.tax_percents.get(""))


@dataclass(frozen=True)
class OfferPrice:
    """The retailer's price of one offer in one store, in the store's currency.

    `amount` is what the customer sees and pays: gross in a store whose prices include tax.
    `cost`, `margin` and `margin_percent` are for merchandisers and managers only; `reason`
    never contains them. `exchange_rate` is the rate used from the partner's currency (kept to
    be copied onto order lines). Cost and margin are left out of the printed form (repr), so a
    template, log line or error report that prints an OfferPrice shows no cost."""

    currency: str
    amount: Decimal | None
    net_amount: Decimal | None
    includes_tax: bool
    tax_percent: Decimal | None
    source: PriceSource | None
    cost: Decimal | None = field(repr=False)
    margin: Decimal | None = field(repr=False)
    margin_percent: Decimal | None = field(repr=False)
    exchange_rate: Decimal | None
    rule_id: int | None
    problem: PriceProblem | None
    reason: str | None

    @property
    def sellable(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class PricingContext:
    """A store's prices: its currency and tax, the pricing rules, the exchange rates
    (`rates[(from, to)]` is how many `to` one `from` buys; only that direction is used)."""

    store: StorePricing
    rules: tuple[PriceRule, ...] = ()
    rates: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)

    def rule_for(self, partner_id: int, category: str | None) -> PriceRule | None:
        """The most specific rule that matches; of equally specific ones, the first."""
        key = category_key(category)
        best: PriceRule | None = None
        for rule in self.rules:
            if rule.matches(partner_id, key) and (
                best is None or rule.specificity > best.specificity
            ):
                best = rule
        return best

    def rate(self, from_currency: str, to_currency: str) -> Decimal | None:
        if from_currency == to_currency:
            return Decimal(1)
        return self.rates.get((from_currency, to_currency))

    def price(
        self,
        *,
        partner_id: int,
        category: str | None,
        cost: Money | None = None,
        msrp: Money | None = None,
        retail_price: Decimal | None = None,
    ) -> OfferPrice:
        """Price an offer of `partner_id` in `category` (the master's category when the item
        is in the product master). `cost` is the partner's cost, or the supplier item's agreed
        cost when the partner reports only availability; `retail_price` is the master's price
        in this store's currency, when it has one."""
        return _price(self, partner_id, category_key(category), cost, msrp, retail_price)


def _price(
    context: PricingContext,
    partner_id: int,
    category: str,
    cost: Money | None,
    msrp: Money | None,
    retail_price: Decimal | None,
) -> OfferPrice:
    store = context.store
    currency = store.currency
    rule = context.rule_for(partner_id, category)
    problems: list[tuple[PriceProblem, str]] = []

    def no_rate(from_currency: str) -> None:
        problems.append(
            (PriceProblem.NO_EXCHANGE_RATE, f"no exchange rate {from_currency}→{currency}")
        )

    cost_here = exchange_rate = None
    if cost is not None:
        exchange_rate = context.rate(cost.currency, currency)
        if exchange_rate is None:
            no_rate(cost.currency)
        else:
            cost_here = money_round(cost.amount * exchange_rate, currency)

    tax_percent = None
    if store.prices_include_tax:
        tax_percent = store.tax_percent(category)
        if tax_percent is None:
            problems.append(
                (
                    PriceProblem.NO_TAX_RATE,
                    f"no tax rate for {category or 'items without a category'} at {store.code}",
                )
            )

    amount, source, unconverted = _amount(context, rule, cost_here, msrp, retail_price, tax_percent)
    if unconverted is not None:
        no_rate(unconverted)
    if amount is not None and amount <= 0:
        amount = source = None
    if amount is None and not problems:
        if rule is None and (cost is not None or msrp is not None):
            problems.append(
                (
                    PriceProblem.NO_PRICING_RULE,
                    "no pricing rule applies to this partner and category",
                )
            )
        else:
            problems.append((PriceProblem.NO_PRICE, "no price from any source"))

    net_amount = None
    if amount is not None:
        if not store.prices_include_tax:
            net_amount = amount
        elif tax_percent is not None:
            net_amount = money_round(amount * HUNDRED / (HUNDRED + tax_percent), currency)

    margin = margin_percent = None
    if cost_here is None:
        if cost is None:
            problems.append(
                (PriceProblem.NO_COST, "no cost known — margin floor cannot be checked")
            )
    elif net_amount is not None:
        margin = net_amount - cost_here
        margin_percent = (margin * HUNDRED / net_amount).quantize(
            PERCENT_PLACES, rounding=ROUND_HALF_UP
        )
        floor = rule.margin_floor_percent if rule is not None else Decimal(0)
        if margin * HUNDRED < floor * net_amount:
            problems.append((PriceProblem.BELOW_MARGIN_FLOOR, "below margin floor"))

    problem, reason = problems[0] if problems else (None, None)
    return OfferPrice(
        currency=currency,
        amount=amount,
        net_amount=net_amount,
        includes_tax=store.prices_include_tax,
        tax_percent=tax_percent,
        source=source,
        cost=cost_here,
        margin=margin,
        margin_percent=margin_percent,
        exchange_rate=exchange_rate,
        rule_id=rule.rule_id if rule is not None else None,
        problem=problem,
        reason=reason,
    )


def _amount(
    context: PricingContext,
    rule: PriceRule | None,
    cost_here: Decimal | None,
    msrp: Money | None,
    retail_price: Decimal | None,
    tax_percent: Decimal | None,
) -> tuple[Decimal | None, PriceSource | None, str | None]:
    """The price the customer sees, where it came from, and the currency whose missing
    exchange rate left it unknown (see the module's docstring for the order of sources)."""
    currency = context.store.currency
    if retail_price is not None:
        return money_round(retail_price, currency), PriceSource.MASTER, None
    if rule is None:
        return None, None, None
    if rule.use_msrp and msrp is not None and msrp.amount > 0:
        # An MSRP is a shelf price: taken as the customer sees it, converted, then rounded.
        rate = context.rate(msrp.currency, currency)
        if rate is None:
            return None, None, msrp.currency
        return price_rounded(msrp.amount * rate, rule.rounding, currency), PriceSource.MSRP, None
    if cost_here is None:
        return None, None, None
    shelf = cost_here * (HUNDRED + rule.markup_percent) / HUNDRED
    if context.store.prices_include_tax:
        if tax_percent is None:
            return None, None, None
        shelf = shelf * (HUNDRED + tax_percent) / HUNDRED
    return price_rounded(shelf, rule.rounding, currency), PriceSource.MARKUP, None
