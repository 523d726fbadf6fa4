"""The demo's catalogue: seeded from the sandbox catalogue, safe to seed again, and priced so
that an availability-only partner's barcode sells in Dublin in EUR."""

from decimal import Decimal

import pytest

from catalog.catalogue_facts import offer_price
from catalog.models import ExchangeRate, MasterProduct, PricingRule, StoreTaxRate, SupplierItem
from catalog.pricing import PriceSource
from catalog.sandbox.demo_catalogue import README_GTIN, demo_catalogue_seed
from catalog.selectors import catalogue_facts_for, pricing_context_for
from partners.models import Partner
from partners.sandbox.catalog import PartnerName, catalog_default
from tests.factories import PartnerFactory, StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_world():
    """The demo's stores and the sandbox partners, as seed_demo leaves them before this step."""
    stores = {
        "LDN-01": StoreFactory(code="LDN-01", currency="GBP", prices_include_tax=True),
        "DUB-01": StoreFactory(
            code="DUB-01", currency="EUR", country="IE", prices_include_tax=True
        ),
    }
    partners = {
        name.value: PartnerFactory(
            slug=name.value,
            name=name.value.title(),
            lookup_kind=(
                Partner.LookupKind.AVAILABILITY
                if name is PartnerName.BAYWATER
                else Partner.LookupKind.PRODUCT
            ),
        )
        for name in PartnerName
    }
    return stores, partners


def catalogue_snapshot() -> dict:
    return {
        "rates": sorted(ExchangeRate.objects.values_list("from_currency", "to_currency", "rate")),
        "taxes": sorted(
            StoreTaxRate.objects.values_list("store__code", "category", "rate_percent")
        ),
        "rules": sorted(
            PricingRule.objects.values_list(
                "partner__slug",
                "category",
                "markup_percent",
                "margin_floor_percent",
                "rounding",
                "use_msrp",
            ),
            key=str,
        ),
        "products": sorted(
            MasterProduct.objects.values_list("store_sku", "name", "category", "gtins__gtin")
        ),
        "prices": sorted(
            MasterProduct.objects.values_list("store_sku", "prices__currency", "prices__amount")
        ),
        "items": sorted(
            SupplierItem.objects.values_list(
                "partner__slug",
                "gtin",
                "partner_sku",
                "partner_product_number",
                "cost",
                "currency",
            )
        ),
        "histories": (PricingRule.history.count(), ExchangeRate.history.count()),
    }


def test_the_demo_catalogue_prices_the_sandbox_in_eur_and_seeding_again_changes_nothing(
    demo_world,
):
    demo_catalogue_seed()
    first = catalogue_snapshot()

    demo_catalogue_seed()

    assert catalogue_snapshot() == first
    assert first["rates"] == [("GBP", "EUR", Decimal("1.17000000"))]
    assert first["taxes"] == [("DUB-01", "", Decimal("23.00")), ("LDN-01", "", Decimal("20.00"))]
    assert {(slug, category) for slug, category, *_ in first["rules"]} == {
        (None, ""),
        (None, "home"),
        ("hearth", "home"),
        ("stridewell", ""),
    }
    # One product per category and the README's gilet; each with GBP and EUR prices.
    skus = sorted({sku for sku, *_ in first["products"]})
    assert len(skus) == 4
    assert {(sku, currency) for sku, currency, _ in first["prices"]} == {
        (sku, currency) for sku in skus for currency in ("EUR", "GBP")
    }
    baywater_variants = sum(
        len(offer.variants)
        for offer in catalog_default().offers
        if offer.partner is PartnerName.BAYWATER
    )
    assert sum(slug == "baywater" for slug, *_ in first["items"]) == baywater_variants
    assert first["histories"] == (4, 1)


def test_an_availability_only_partner_sells_a_master_product_at_the_master_price_in_eur(
    demo_world, django_assert_num_queries
):
    stores, partners = demo_world
    demo_catalogue_seed()
    product = MasterProduct.objects.exclude(gtins__gtin="0" + README_GTIN).first()
    gtin14 = product.gtins.first().gtin
    baywater = partners["baywater"]

    with django_assert_num_queries(6):
        context = pricing_context_for(stores["DUB-01"])
        facts = catalogue_facts_for([gtin14])
    # Baywater answers only "available": no cost, no MSRP, no name.
    price = offer_price(context, facts, partner_id=baywater.pk, gtin14=gtin14)

    item = SupplierItem.objects.get(partner=baywater, gtin=gtin14)
    eur = product.prices.get(currency="EUR").amount
    assert (price.sellable, price.amount, price.source, price.currency) == (
        True,
        eur,
        PriceSource.MASTER,
        "EUR",
    )
    assert price.cost == (item.cost * Decimal("1.17")).quantize(Decimal("0.01"))
    assert facts.entry(gtin14).name == product.name
    assert baywater.pk in facts.partner_ids(gtin14)


def test_without_the_supplier_item_the_availability_only_partner_cannot_sell(demo_world):
    stores, partners = demo_world
    demo_catalogue_seed()
    product = MasterProduct.objects.exclude(gtins__gtin="0" + README_GTIN).first()
    gtin14 = product.gtins.first().gtin
    SupplierItem.objects.filter(partner=partners["baywater"], gtin=gtin14).delete()

    price = offer_price(
        pricing_context_for(stores["DUB-01"]),
        catalogue_facts_for([gtin14]),
        partner_id=partners["baywater"].pk,
        gtin14=gtin14,
    )

    assert (price.sellable, price.reason, price.amount) == (
        False,
        "no cost known — margin floor cannot be checked",
        product.prices.get(currency="EUR").amount,
    )
