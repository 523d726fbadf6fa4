"""Checkout totals: lines, shipping by each partner's rule, tax by the store's rates, and the
one rounding of each amount (orders/totals.py). Pure: no database."""

from decimal import Decimal

import pytest

from catalog.pricing import PricingContext, StorePricing
from orders.totals import (
    CheckoutTotals,
    PartnerLines,
    PartnerOrderTotals,
    PricedLine,
    ShippingTerms,
    TotalsRefused,
    checkout_totals,
)
from tests.factories import PartnerFactory

D = Decimal
# Prices include 20 % VAT (books 0 %); shipping may be quoted in euros or dollars.
LONDON = PricingContext(
    store=StorePricing("LDN-01", "GBP", True, {"": D(20), "books": D(0)}),
    rates={("EUR", "GBP"): D("0.85"), ("USD", "GBP"): D("0.79")},
)
# Prices are net; 8.875 % sales tax is added.
NEW_YORK = PricingContext(
    store=StorePricing("NYC-01", "USD", False, {"": D("8.875")}),
    rates={("GBP", "USD"): D("1.27")},
)
# Prices are net; 10 % sales tax is added.
SEATTLE = PricingContext(store=StorePricing("SEA-01", "USD", False, {"": D(10)}))
# Yen have no decimals; prices include 10 % consumption tax.
TOKYO = PricingContext(store=StorePricing("TYO-01", "JPY", True, {"": D(10)}))

FREE = ShippingTerms("free")


def per_order(amount: str, currency: str, free_above: str | None = None) -> ShippingTerms:
    return ShippingTerms("per_order", D(amount), free_above and D(free_above), currency)


def per_item(amount: str, currency: str) -> ShippingTerms:
    return ShippingTerms("per_item", D(amount), None, currency)


def line(quantity: int, unit_price: str, category: str = "") -> PricedLine:
    return PricedLine(D(unit_price), quantity, category)


def part(shipping: ShippingTerms, *lines: PricedLine, partner_id: int = 1) -> PartnerLines:
    return PartnerLines(partner_id, f"Partner {partner_id}", shipping, lines)


def one_per_order(shipping: ShippingTerms, *lines: PricedLine) -> PartnerLines:
    """A partner that takes one item per order: a partner order per line."""
    return PartnerLines(3, "Partner 3", shipping, lines, one_item_per_order=True)


# store, partner orders → per partner order (lines total, shipping, tax, total) and the order's
# (lines total, shipping, tax, total). Worked out by hand in the comments.
CASES = {
    # 2 x 24.99 = 49.98 + 4.95 = 54.93 gross; VAT 54.93 x 20/120 = 9.155 → 9.16 (half up).
    "tax-inclusive GB store, flat per order": (
        LONDON,
        [part(per_order("4.95", "GBP", free_above="50.00"), line(2, "24.99"))],
        [("49.98", "4.95", "9.16", "54.93")],
    ),
    # The threshold is "at least": 2 x 25.00 = 50.00 ships free; VAT 50/6 = 8.333 → 8.33.
    "free-shipping threshold reached": (
        LONDON,
        [part(per_order("4.95", "GBP", free_above="50.00"), line(2, "25.00"))],
        [("50.00", "0.00", "8.33", "50.00")],
    ),
    # 3 x 10.00 + 5.50 = 35.50 net; 4 items x 3.00 = 12.00; tax 47.50 x 8.875 % = 4.2156 → 4.22.
    "tax-exclusive store, per item": (
        NEW_YORK,
        [part(per_item("3.00", "USD"), line(3, "10.00"), line(1, "5.50"))],
        [("35.50", "12.00", "4.22", "51.72")],
    ),
    # EUR 5.00 x 0.85 = 4.25; VAT 34.25/6 = 5.7083 → 5.71.
    "shipping converted from the partner's currency": (
        LONDON,
        [part(per_order("5.00", "EUR"), line(1, "30.00"))],
        [("30.00", "4.25", "5.71", "34.25")],
    ),
    # The threshold EUR 40.00 is GBP 34.00: reached exactly.
    "threshold converted from the partner's currency": (
        LONDON,
        [part(per_order("5.00", "EUR", free_above="40.00"), line(1, "34.00"))],
        [("34.00", "0.00", "5.67", "34.00")],
    ),
    # GBP 1.99 x 3 items x 1.27 = 7.5819 → 7.58, rounded once (not 2.53 x 3 = 7.59);
    # tax (60.00 + 7.58) x 8.875 % = 5.997725 → 6.00.
    "per item converted, rounded once": (
        NEW_YORK,
        [part(per_item("1.99", "GBP"), line(3, "20.00"))],
        [("60.00", "7.58", "6.00", "73.58")],
    ),
    # 3 x 0.335 = 1.005 → 1.01 (not 3 x 0.34 = 1.02, and not 1.00 as a float would give);
    # tax 1.01 x 8.875 % = 0.0896 → 0.09.
    "3 x 0.335, tax-exclusive": (
        NEW_YORK,
        [part(FREE, line(3, "0.335"))],
        [("1.01", "0.00", "0.09", "1.10")],
    ),
    # 1.01 x 20/120 = 0.16833 → 0.17.
    "3 x 0.335, tax-inclusive": (
        LONDON,
        [part(FREE, line(3, "0.335"))],
        [("1.01", "0.00", "0.17", "1.01")],
    ),
    # Shipping shares the lines' rates by value: 5.00 is 2.00 with the books (0 %) and 3.00 with
    # the 20 % line; VAT (30.00 + 3.00)/6 = 5.50.
    "shipping taxed like the goods it carries": (
        LONDON,
        [part(per_order("5.00", "GBP"), line(1, "20.00", "Books"), line(1, "30.00"))],
        [("50.00", "5.00", "5.50", "55.00")],
    ),
    # Tax is rounded per partner order: 10.00/6 = 1.6667 → 1.67 and 16.95/6 = 2.825 → 2.83,
    # so the order's VAT is 4.50 (the order rounded as a whole would say 26.95/6 → 4.49).
    "multi-partner": (
        LONDON,
        [
            part(FREE, line(1, "10.00"), partner_id=1),
            part(per_order("4.95", "GBP"), line(1, "12.00"), partner_id=2),
        ],
        [("10.00", "0.00", "1.67", "10.00"), ("12.00", "4.95", "2.83", "16.95")],
    ),
    # Shipping's shares are thirds with no exact Decimal: (4.40 + 0.05) x 10 % = 0.445 exactly,
    # → 0.45 (summing 28-digit shares gives 0.44499…, → 0.44).
    "a half cent reached through thirds": (
        SEATTLE,
        [part(per_order("0.05", "USD"), line(1, "1.00"), line(1, "2.40"), line(1, "1.00"))],
        [("4.40", "0.05", "0.45", "4.90")],
    ),
    # One charge of 5.00 for the partner's three orders, shared by amount in whole pence that
    # add up: 1.67, 1.67, 1.66; VAT per order 11.67/6 = 1.945 → 1.95 and 11.66/6 → 1.94.
    "one item per order, a flat charge shared": (
        LONDON,
        [one_per_order(per_order("5.00", "GBP"), *[line(1, "10.00")] * 3)],
        [
            ("10.00", "1.67", "1.95", "11.67"),
            ("10.00", "1.67", "1.95", "11.67"),
            ("10.00", "1.66", "1.94", "11.66"),
        ],
    ),
    # 3 items x 3.00 = 9.00, shared by items: 6.00 and 3.00;
    # tax 26.00 x 8.875 % = 2.3075 → 2.31 and 8.00 x 8.875 % = 0.71.
    "one item per order, a per-item charge shared": (
        NEW_YORK,
        [one_per_order(per_item("3.00", "USD"), line(2, "10.00"), line(1, "5.00"))],
        [("20.00", "6.00", "2.31", "28.31"), ("5.00", "3.00", "0.71", "8.71")],
    ),
    # The threshold is judged on all the partner's items: 10.00 + 20.00 ships free.
    "one item per order, free above the threshold together": (
        LONDON,
        [one_per_order(per_order("4.95", "GBP", "25.00"), line(1, "10.00"), line(1, "20.00"))],
        [("10.00", "0.00", "1.67", "10.00"), ("20.00", "0.00", "3.33", "20.00")],
    ),
    # Yen: 3 x 333 = 999; tax 999 x 10/110 = 90.82 → 91, in whole yen.
    "currency without decimals": (
        TOKYO,
        [part(FREE, line(3, "333"))],
        [("999", "0", "91", "999")],
    ),
}


@pytest.mark.parametrize(("pricing", "parts", "expected"), CASES.values(), ids=CASES.keys())
def test_totals(pricing, parts, expected):
    totals = checkout_totals(parts=parts, pricing=pricing)

    got = [(p.lines_total, p.shipping, p.tax, p.total) for p in totals.partner_orders]
    assert got == [tuple(D(amount) for amount in row) for row in expected]
    # Exact Decimals, with the currency's places (str shows 50.00, not 50).
    assert [tuple(str(a) for a in row) for row in got] == expected
    order = (totals.lines_total, totals.shipping, totals.tax, totals.total)
    assert order == tuple(sum(column, D(0)) for column in zip(*got, strict=True))


def test_what_the_order_records():
    # Given a tax-inclusive store and a partner quoting shipping in euros
    totals = checkout_totals(
        parts=[
            part(per_order("5.00", "EUR"), line(2, "24.99"), line(1, "0.335"), partner_id=7),
            part(per_order("4.95", "GBP"), line(1, "12.00"), partner_id=8),
        ],
        pricing=LONDON,
    )

    # 49.98 + 0.34 + 4.25 = 54.57 → VAT 9.095 → 9.10; 16.95 → 2.825 → 2.83.
    assert totals == CheckoutTotals(
        currency="GBP",
        prices_include_tax=True,
        partner_orders=(
            PartnerOrderTotals(
                partner_id=7,
                line_numbers=(0, 1),
                line_amounts=(D("49.98"), D("0.34")),
                lines_total=D("50.32"),
                shipping=D("4.25"),
                shipping_exchange_rate=D("0.85"),
                tax=D("9.10"),
                total=D("54.57"),
            ),
            PartnerOrderTotals(
                partner_id=8,
                line_numbers=(0,),
                line_amounts=(D("12.00"),),
                lines_total=D("12.00"),
                shipping=D("4.95"),
                shipping_exchange_rate=None,
                tax=D("2.83"),
                total=D("16.95"),
            ),
        ),
        lines_total=D("62.32"),
        shipping=D("9.20"),
        tax=D("11.93"),
        total=D("71.52"),
    )


def test_totals_are_refused_with_every_reason():
    # Given shipping in francs (no rate to pounds), a partner without a charge set, and a
    # tax-exclusive store without a rate for toys
    parts = [
        part(per_order("5.00", "CHF"), line(1, "10.00"), partner_id=1),
        part(ShippingTerms(""), line(1, "10.00"), partner_id=2),
    ]
    toys_untaxed = PricingContext(store=StorePricing("BOS-01", "USD", False, {"books": D(0)}))

    with pytest.raises(TotalsRefused) as refused:
        checkout_totals(parts=parts, pricing=LONDON)
    with pytest.raises(TotalsRefused) as no_tax:
        checkout_totals(parts=[part(FREE, line(1, "9.99", "Toys"))], pricing=toys_untaxed)

    assert refused.value.reasons == (
        "no exchange rate CHF→GBP for Partner 1's shipping",
        "Partner 2 has no shipping charge set",
    )
    assert no_tax.value.reasons == ("no tax rate for toys at BOS-01",)


def test_shipping_terms_are_read_from_the_partner():
    partner = PartnerFactory.build(
        shipping_rule="per_order",
        shipping_amount=D("4.95"),
        shipping_free_above=D("50.00"),
        shipping_currency="GBP",
    )

    assert ShippingTerms.of(partner) == per_order("4.95", "GBP", free_above="50.00")


def test_a_one_item_per_order_partner_has_an_order_per_line():
    totals = checkout_totals(
        parts=[one_per_order(FREE, line(1, "10.00"), line(2, "5.00"))], pricing=LONDON
    )

    assert [(p.partner_id, p.line_numbers) for p in totals.partner_orders] == [(3, (0,)), (3, (1,))]
