"""What a cart line keeps of a partner's answer fits the cart's columns: a partner's answer is
untrusted, and a number past a column's range made saving the line fail (PostgreSQL refuses
"integer out of range" and "numeric field overflow") instead of a clear refusal."""

from datetime import datetime
from decimal import Decimal

import pytest

from catalog.cart_checks import line_check
from catalog.models import PricingRule
from catalog.offer_pricing import offer_pricing_for
from catalog.offers import PartnerItem, product_views
from partners.mapping import Product, Variant
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db

GTIN13 = "5012345678900"
GTIN14 = "0" + GTIN13
# The largest value of an integer column on PostgreSQL.
INTEGER_COLUMN_MAX = 2**31 - 1


def checked(store, *, cost="10.00", available_quantity=5, delivery_days=2):
    PricingRule.objects.create(
        markup_percent=Decimal(100), margin_floor_percent=Decimal(0), rounding="exact"
    )
    partner = PartnerFactory(name="Threadline")
    answer = Product(
        partner_product_id="P1",
        name="Wool scarf",
        variants=(
            Variant(
                partner_sku="SC-1",
                gtin=GTIN13,
                cost=Decimal(cost),
                currency="GBP",
                available_quantity=available_quantity,
                delivery_days=delivery_days,
            ),
        ),
    )
    pricing = offer_pricing_for(store, [GTIN14])
    views = product_views(
        [PartnerItem(partner, answer, datetime(2026, 12, 1, 10), gtin=GTIN13)],
        quantity=1,
        selling_price=pricing.selling_price(GTIN14),
        today=datetime(2026, 12, 1).date(),
    )
    return line_check(
        partner_id=partner.pk,
        gtin14=GTIN14,
        quantity=1,
        views=views,
        pricing=pricing,
        partner_name=partner.name,
    )


def test_an_ordinary_answer_is_kept_as_it_is(store):
    check = checked(store)

    assert (check.unit_price, check.available_quantity, check.delivery_days) == (
        Decimal("20.00"),
        5,
        2,
    )
    assert check.orderable


def test_a_huge_stock_is_kept_as_plenty_within_the_column(store):
    check = checked(store, available_quantity=10**20)

    assert check.available_quantity == INTEGER_COLUMN_MAX
    assert check.orderable


def test_a_delivery_time_past_the_column_is_not_kept(store):
    check = checked(store, delivery_days=10**20)

    assert check.delivery_days is None


def test_a_price_past_what_a_line_holds_is_refused_not_stored(store):
    check = checked(store, cost="10000000000")

    assert check.unit_price is None
    assert not check.orderable
    assert "price" in check.reason
