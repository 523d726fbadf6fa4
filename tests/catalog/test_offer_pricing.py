"""Pricing a lookup's offers for a store (catalog.offer_pricing), as the product page and the
cart both do. Pure: no database."""

from datetime import date
from decimal import Decimal

from catalog.catalogue_facts import CatalogueFacts
from catalog.offer_pricing import OfferPricing
from catalog.offers import VariantOffer
from catalog.pricing import PriceRule, PricingContext, Rounding, StorePricing
from partners.models import Partner

TODAY = date(2026, 12, 1)
GTIN14 = "04006381333931"
LONDON = StorePricing(code="LDN-01", currency="GBP", prices_include_tax=False, tax_percents={})
# Twice the cost, and at least a 40 % margin: any cost sells.
PRICING = OfferPricing(
    PricingContext(
        store=LONDON, rules=(PriceRule(Decimal(100), Decimal(40), Rounding.EXACT),), rates={}
    ),
    CatalogueFacts(),
)


def offer(slug: str, priority: int, **fields) -> VariantOffer:
    partner = Partner(pk=priority, slug=slug, name=slug.title(), priority=priority)
    return VariantOffer(partner=partner, fetched_at=None, gtin=GTIN14[1:], currency="GBP", **fields)


def test_offers_that_can_be_sold_rank_before_sooner_ones_that_cannot():
    no_cost = offer("alpha", 10, available_quantity=9, delivery_days=1)
    sold_out = offer("bravo", 20, available_quantity=0, delivery_days=1, cost=Decimal("5.00"))
    later = offer("charlie", 30, available_quantity=9, delivery_days=6, cost=Decimal("5.00"))

    ranked = PRICING.ranked([no_cost, sold_out, later], gtin14=GTIN14, quantity=1, today=TODAY)

    assert [(o.partner.slug, o.selling_price, p.sellable) for o, p in ranked] == [
        ("charlie", Decimal("10.00"), True),
        ("alpha", None, False),
        ("bravo", Decimal("10.00"), True),
    ]


def test_a_partner_cost_pricing_cannot_take_counts_as_not_sent():
    negative = offer("alpha", 10, available_quantity=9, cost=Decimal("-5.00"))

    price = PRICING.price(negative, GTIN14)

    assert (price.sellable, price.amount, price.reason) == (False, None, "no price from any source")
