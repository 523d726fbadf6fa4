"""Pricing: which source and which rule set the price, rounding, tax, currencies and the
margin floor. Pure: no database."""

from decimal import Decimal

import pytest

from catalog.pricing import (
    Money,
    OfferPrice,
    PriceProblem,
    PriceRule,
    PriceSource,
    PricingContext,
    Rounding,
    StorePricing,
    category_key,
    price_rounded,
)

D = Decimal
THE_PARTNER = 7  # has rules of its own
OTHER_PARTNER = 1

RULES = (
    PriceRule(D(100), D(20), Rounding.UP_TO_99, rule_id=1),
    PriceRule(D(120), D(25), Rounding.UP_TO_95, category="apparel", rule_id=2),
    PriceRule(D(80), D(15), Rounding.EXACT, use_msrp=True, partner_id=THE_PARTNER, rule_id=3),
    PriceRule(
        D(60), D(30), Rounding.UP_TO_WHOLE, partner_id=THE_PARTNER, category="footwear", rule_id=4
    ),
)
DUBLIN = StorePricing(
    code="DUB-01",
    currency="EUR",
    prices_include_tax=True,
    tax_percents={"": D(23), "books": D(0)},
)
CONTEXT = PricingContext(store=DUBLIN, rules=RULES, rates={("GBP", "EUR"): D("1.17")})


def gbp(amount: str) -> Money:
    return Money(D(amount), "GBP")


# partner, category, cost, msrp, master's retail price
#   → price shown, source, rule, problem
# A cost of GBP 30.00 is EUR 35.10 at 1.17; Dublin's prices include 23 % VAT.
PRECEDENCE = [
    # The rule for everything: 35.10 x 2 = 70.20 net, x 1.23 = 86.35 gross, up to .99.
    ((OTHER_PARTNER, "home", gbp("30.00"), None, None), ("86.99", "markup", 1, None)),
    # A category's rule beats the rule for everything; the category is compared loosely.
    ((OTHER_PARTNER, " Apparel ", gbp("30.00"), None, None), ("95.95", "markup", 2, None)),
    # A partner's rule beats the rule for everything, and uses the partner's MSRP when sent:
    # 59.99 x 1.17 = 70.19, not rounded (exact).
    ((THE_PARTNER, "home", gbp("30.00"), gbp("59.99"), None), ("70.19", "msrp", 3, None)),
    # ... and marks up the cost when no MSRP is sent: 35.10 x 1.8 x 1.23 = 77.71.
    ((THE_PARTNER, "home", gbp("30.00"), None, None), ("77.71", "markup", 3, None)),
    # A partner's rule beats a category's.
    ((THE_PARTNER, "apparel", gbp("30.00"), None, None), ("77.71", "markup", 3, None)),
    # Partner and category beat partner alone; this rule ignores the MSRP and rounds to whole:
    # 35.10 x 1.6 x 1.23 = 69.08 → 70.00.
    ((THE_PARTNER, "footwear", gbp("30.00"), gbp("59.99"), None), ("70.00", "markup", 4, None)),
    # The product master's price beats every rule, MSRP included, and is not rounded.
    ((THE_PARTNER, "home", gbp("30.00"), gbp("59.99"), D("99.00")), ("99.00", "master", 3, None)),
    # ... but not the margin floor: 40.00 gross is 32.52 net, below the cost of 35.10.
    (
        (OTHER_PARTNER, "home", gbp("30.00"), None, D("40.00")),
        ("40.00", "master", 1, "below_margin_floor"),
    ),
    # An availability-only partner with no supplier item: a price, but no cost to check.
    ((OTHER_PARTNER, "home", None, None, D("99.00")), ("99.00", "master", 1, "no_cost")),
    # Nothing to price with.
    ((OTHER_PARTNER, "home", None, None, None), (None, None, 1, "no_price")),
    # An MSRP alone is not used by a rule that does not say so.
    ((OTHER_PARTNER, "home", None, gbp("59.99"), None), (None, None, 1, "no_price")),
    # No rate from the partner's currency: shown if the master prices it, never sellable.
    (
        (OTHER_PARTNER, "home", Money(D("30.00"), "USD"), None, None),
        (None, None, 1, "no_exchange_rate"),
    ),
    (
        (OTHER_PARTNER, "home", Money(D("30.00"), "USD"), None, D("99.00")),
        ("99.00", "master", 1, "no_exchange_rate"),
    ),
    (
        (THE_PARTNER, "home", gbp("30.00"), Money(D("59.99"), "USD"), None),
        (None, None, 3, "no_exchange_rate"),
    ),
]


@pytest.mark.parametrize(("offer", "expected"), PRECEDENCE)
def test_pricing_precedence(offer, expected):
    partner_id, category, cost, msrp, retail_price = offer
    price = CONTEXT.price(
        partner_id=partner_id, category=category, cost=cost, msrp=msrp, retail_price=retail_price
    )

    amount, source, rule_id, problem = expected
    assert (price.amount, price.source, price.rule_id, price.problem) == (
        None if amount is None else D(amount),
        None if source is None else PriceSource(source),
        rule_id,
        None if problem is None else PriceProblem(problem),
    )
    assert price.sellable is (problem is None)
    assert price.currency == "EUR"


def test_a_sellable_price_carries_net_tax_cost_margin_and_rate():
    price = CONTEXT.price(partner_id=OTHER_PARTNER, category="home", cost=gbp("30.00"))

    assert price == OfferPrice(
        currency="EUR",
        amount=D("86.99"),
        net_amount=D("70.72"),  # 86.99 / 1.23
        includes_tax=True,
        tax_percent=D(23),
        source=PriceSource.MARKUP,
        cost=D("35.10"),
        margin=D("35.62"),
        margin_percent=D("50.37"),
        exchange_rate=D("1.17"),
        rule_id=1,
        problem=None,
        reason=None,
    )


def test_an_offer_price_printed_shows_no_cost_or_margin():
    # A template, log line or error report printing the price must not show the cost.
    price = CONTEXT.price(partner_id=OTHER_PARTNER, category="home", cost=gbp("30.00"))

    printed = f"{price} {price!r}"

    assert "amount=Decimal('86.99')" in printed
    assert "cost" not in printed and "margin" not in printed
    assert "35.1" not in printed and "35.62" not in printed and "50.37" not in printed


@pytest.mark.parametrize(
    ("cost", "retail_price", "reason"),
    [
        (None, None, "no price from any source"),
        (None, D("99.00"), "no cost known — margin floor cannot be checked"),
        (Money(D("30.00"), "USD"), None, "no exchange rate USD→EUR"),
        (gbp("30.00"), D("40.00"), "below margin floor"),
    ],
)
def test_reasons_are_words_for_the_page_without_cost_or_margin(cost, retail_price, reason):
    price = CONTEXT.price(
        partner_id=OTHER_PARTNER, category="home", cost=cost, retail_price=retail_price
    )

    assert price.reason == reason
    assert "35" not in reason and "%" not in reason


def test_the_margin_floor_is_met_at_exactly_the_floor():
    # 25.00 net with a cost of 20.00 is a 20 % margin: the floor of the rule for everything.
    context = PricingContext(
        store=StorePricing(code="X", currency="EUR", prices_include_tax=False), rules=RULES[:1]
    )

    at_floor = context.price(
        partner_id=OTHER_PARTNER, category="home", cost=Money(D("20.00"), "EUR"),
        retail_price=D("25.00"),
    )  # fmt: skip
    below = context.price(
        partner_id=OTHER_PARTNER, category="home", cost=Money(D("20.01"), "EUR"),
        retail_price=D("25.00"),
    )  # fmt: skip

    assert (at_floor.sellable, at_floor.margin_percent) == (True, D("20.00"))
    assert (below.problem, below.margin_percent) == (PriceProblem.BELOW_MARGIN_FLOOR, D("19.96"))


def test_without_any_rule_a_cost_cannot_be_priced_and_the_master_price_must_cover_cost():
    context = PricingContext(store=DUBLIN, rates={("GBP", "EUR"): D("1.17")})

    marked_up = context.price(partner_id=OTHER_PARTNER, category="home", cost=gbp("30.00"))
    at_loss = context.price(
        partner_id=OTHER_PARTNER, category="home", cost=gbp("30.00"), retail_price=D("43.00")
    )
    at_profit = context.price(
        partner_id=OTHER_PARTNER, category="home", cost=gbp("30.00"), retail_price=D("44.00")
    )

    assert (marked_up.amount, marked_up.problem, marked_up.reason) == (
        None,
        PriceProblem.NO_PRICING_RULE,
        "no pricing rule applies to this partner and category",
    )
    # 43.00 / 1.23 = 34.96 net, under the cost of 35.10; 44.00 is 35.77 net.
    assert at_loss.problem is PriceProblem.BELOW_MARGIN_FLOOR
    assert (at_profit.sellable, at_profit.rule_id) == (True, None)


def test_a_store_without_tax_in_its_prices_rounds_the_net_price():
    store = StorePricing(code="NYC-01", currency="USD", prices_include_tax=False)
    context = PricingContext(store=store, rules=RULES, rates={("GBP", "USD"): D("1.25")})

    price = context.price(partner_id=OTHER_PARTNER, category="home", cost=gbp("30.00"))

    # 30.00 x 1.25 = 37.50, x 2 = 75.00, up to 75.99; no tax in the price.
    assert (price.amount, price.net_amount, price.tax_percent, price.includes_tax) == (
        D("75.99"),
        D("75.99"),
        None,
        False,
    )


def test_the_category_tax_rate_beats_the_store_default_and_a_missing_rate_stops_the_sale():
    zero_rated = CONTEXT.price(
        partner_id=OTHER_PARTNER, category="Books", cost=Money(D("10.00"), "EUR")
    )
    untaxed_store = StorePricing(code="DUB-02", currency="EUR", prices_include_tax=True)
    no_rate = PricingContext(store=untaxed_store, rules=RULES).price(
        partner_id=OTHER_PARTNER, category="home", cost=Money(D("10.00"), "EUR")
    )

    assert (zero_rated.amount, zero_rated.tax_percent) == (D("20.99"), D(0))
    assert (no_rate.amount, no_rate.problem, no_rate.reason) == (
        None,
        PriceProblem.NO_TAX_RATE,
        "no tax rate for home at DUB-02",
    )


def test_a_cost_in_the_store_currency_needs_no_rate():
    price = CONTEXT.price(partner_id=OTHER_PARTNER, category="home", cost=Money(D("10"), "EUR"))

    # 10 x 2 x 1.23 = 24.60 → 24.99
    assert (price.amount, price.exchange_rate, price.cost) == (D("24.99"), D(1), D("10.00"))


@pytest.mark.parametrize(
    ("amount", "rounding", "currency", "expected"),
    [
        ("49.00", Rounding.UP_TO_99, "EUR", "49.99"),
        ("49.99", Rounding.UP_TO_99, "EUR", "49.99"),
        ("50.00", Rounding.UP_TO_99, "EUR", "50.99"),
        ("49.994", Rounding.UP_TO_99, "EUR", "49.99"),  # to the cent first, half up
        ("49.995", Rounding.UP_TO_99, "EUR", "50.99"),
        ("49.95", Rounding.UP_TO_95, "GBP", "49.95"),
        ("49.96", Rounding.UP_TO_95, "GBP", "50.95"),
        ("0.10", Rounding.UP_TO_95, "GBP", "0.95"),
        ("49.01", Rounding.UP_TO_WHOLE, "GBP", "50.00"),
        ("49.00", Rounding.UP_TO_WHOLE, "GBP", "49.00"),
        ("49.005", Rounding.EXACT, "GBP", "49.01"),
        ("4990.4", Rounding.UP_TO_99, "JPY", "4990"),  # no decimals: .99 means whole yen
        ("4990.5", Rounding.UP_TO_99, "JPY", "4991"),
        ("4990.4", Rounding.EXACT, "JPY", "4990"),
        ("12.3456", Rounding.EXACT, "KWD", "12.346"),
    ],
)
def test_rounding_is_up_to_the_next_price_point_in_the_currency_minor_unit(
    amount, rounding, currency, expected
):
    rounded = price_rounded(D(amount), rounding, currency)

    assert rounded == D(expected)
    assert rounded.as_tuple().exponent == D(expected).as_tuple().exponent


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        (49.99, "GBP", "an amount must be a finite Decimal, got 49.99"),
        (D("NaN"), "GBP", "an amount must be a finite Decimal"),
        (D("-1"), "GBP", "an amount must not be negative, got -1"),
        (D("1"), "gbp", "currency must be an ISO 4217 code, got 'gbp'"),
        (D("1"), "POUNDS", "currency must be an ISO 4217 code, got 'POUNDS'"),
    ],
)
def test_money_refuses_floats_negatives_and_bad_currencies(amount, currency, message):
    with pytest.raises(ValueError, match=message):
        Money(amount, currency)


@pytest.mark.parametrize(
    ("text", "key"), [("Home", "home"), ("  Home   Decor ", "home decor"), (None, ""), ("", "")]
)
def test_categories_compare_without_case_or_extra_spaces(text, key):
    assert category_key(text) == key
