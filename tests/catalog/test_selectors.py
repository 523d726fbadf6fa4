"""The catalogue's reads: a fixed number of queries whatever the number of GTINs or partners,
and only what pricing in one store needs."""

from decimal import Decimal

import pytest

from catalog.catalogue_facts import CatalogueEntry, SupplierTerms
from catalog.models import ExchangeRate, PricingRule, StoreTaxRate
from catalog.pricing import Money, PriceRule, Rounding, StorePricing
from catalog.selectors import catalogue_facts_for, partners_live, pricing_context_for
from partners.mapping import gtin_check_digit
from partners.models import Partner
from tests.factories import (
    MasterProductFactory,
    PartnerFactory,
    ProductGtinFactory,
    RetailPriceFactory,
    StoreFactory,
    SupplierItemFactory,
)

pytestmark = pytest.mark.django_db


def test_a_store_pricing_context_is_read_in_three_queries(django_assert_num_queries):
    dublin = StoreFactory(code="DUB-01", currency="EUR", prices_include_tax=True)
    london = StoreFactory(code="LDN-01", currency="GBP", prices_include_tax=True)
    partner = PartnerFactory()
    StoreTaxRate.objects.create(store=dublin, category="", rate_percent=Decimal(23))
    StoreTaxRate.objects.create(store=dublin, category="books", rate_percent=Decimal(0))
    StoreTaxRate.objects.create(store=london, category="", rate_percent=Decimal(20))
    ExchangeRate.objects.create(from_currency="GBP", to_currency="EUR", rate=Decimal("1.17"))
    ExchangeRate.objects.create(from_currency="EUR", to_currency="GBP", rate=Decimal("0.85"))
    everything = PricingRule.objects.create(
        markup_percent=Decimal(100), margin_floor_percent=Decimal(30)
    )
    theirs = PricingRule.objects.create(
        partner=partner,
        category="home",
        markup_percent=Decimal(110),
        margin_floor_percent=Decimal(25),
        rounding=Rounding.UP_TO_WHOLE,
        use_msrp=True,
    )

    with django_assert_num_queries(3):
        context = pricing_context_for(dublin)

    assert context.store == StorePricing(
        code="DUB-01",
        currency="EUR",
        prices_include_tax=True,
        tax_percents={"": Decimal("23.00"), "books": Decimal("0.00")},
    )
    assert context.rates == {("GBP", "EUR"): Decimal("1.17")}  # only rates into its currency
    assert context.rules == (
        PriceRule(Decimal("100.00"), Decimal("30.00"), Rounding.UP_TO_99, rule_id=everything.pk),
        PriceRule(
            Decimal("110.00"),
            Decimal("25.00"),
            Rounding.UP_TO_WHOLE,
            use_msrp=True,
            partner_id=partner.pk,
            category="home",
            rule_id=theirs.pk,
        ),
    )


@pytest.mark.parametrize("products", [1, 6])
def test_catalogue_facts_take_three_queries_however_many_gtins_and_partners(
    django_assert_num_queries, products
):
    partners = [PartnerFactory() for _ in range(3)]
    gtins = []
    for number in range(products):
        product = MasterProductFactory(image_urls="https://img.example/a.jpg\n/media/b.jpg")
        RetailPriceFactory(product=product, currency="EUR", amount=Decimal("10.99"))
        RetailPriceFactory(product=product, currency="GBP", amount=Decimal("9.99"))
        body = f"0501814496{number:03d}"
        gtin = f"{body}{gtin_check_digit(body)}"
        ProductGtinFactory(product=product, gtin=gtin)
        for partner in partners:
            SupplierItemFactory(partner=partner, gtin=gtin, partner_sku=f"{partner.slug}-{number}")
        gtins.append(gtin)

    with django_assert_num_queries(3):
        facts = catalogue_facts_for([*gtins, "00036000291452"])

    first = facts.entry(gtins[0])
    assert first == CatalogueEntry(
        product_id=first.product_id,
        store_sku=first.store_sku,
        name=first.name,
        brand="",
        category="apparel",
        description="",
        images=("https://img.example/a.jpg", "/media/b.jpg"),
        retail_prices={"EUR": Decimal("10.99"), "GBP": Decimal("9.99")},
    )
    assert facts.entry("00036000291452") is None
    assert facts.supplier_item(partners[1].pk, gtins[0]) == SupplierTerms(
        partner_id=partners[1].pk,
        gtin14=gtins[0],
        partner_sku=f"{partners[1].slug}-0",
        cost=Money(Decimal("20.00"), "GBP"),
    )
    assert facts.partner_ids(gtins[-1]) == {partner.pk for partner in partners}
    assert facts.partner_ids("00036000291452") == frozenset()


def test_no_gtins_no_queries(django_assert_num_queries):
    with django_assert_num_queries(0):
        facts = catalogue_facts_for([])

    assert (facts.entries, facts.supplier_items) == ({}, {})


def test_every_live_partner_with_a_serving_version_by_priority(onboarded):
    PartnerFactory(slug="no-version-yet", status=Partner.Status.LIVE, priority=1)
    PartnerFactory(slug="testing", status=Partner.Status.TESTING, priority=1)
    onboarded["hearth"].priority = 5
    onboarded["hearth"].save(update_fields=["priority"])

    assert [partner.slug for partner in partners_live()] == [
        "hearth",
        "threadline",
        "stridewell",
        "baywater",
    ]
