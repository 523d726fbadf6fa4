"""The demo's catalogue and prices, for `manage.py seed_demo`. Safe to run again.

The sandbox partners quote in GBP; London sells in GBP and Dublin in EUR, both with VAT in their
prices. The demo gets a GBP→EUR rate, VAT rates, a few pricing rules (one for everything, one for
a category, one for a partner that uses its MSRP, one for a partner and category), a product
master of one product per category that Baywater (availability only) and two others stock plus
the README's example barcode, and supplier items: the agreed cost of everything Baywater stocks
(it sends no cost) and every partner's codes for the master's products (so their SKUs and
product numbers can be typed).
"""

from decimal import Decimal

from django.db import transaction

from catalog.models import ExchangeRate, MasterProduct, PricingRule, StoreTaxRate, SupplierItem
from catalog.pricing import Rounding, price_rounded
from catalog.services import master_product_gtins_and_prices_set
from partners.mapping.gtin import gtin_normalise
from partners.models import Partner
from partners.sandbox.catalog import (
    RANGE_PARTNERS,
    Catalog,
    Category,
    Offer,
    PartnerName,
    Product,
    catalog_default,
)
from stores.models import Store

PARTNER_CURRENCY = "GBP"
GBP_TO_EUR = Decimal("1.17")
# Standard VAT rates; every demo category pays the standard rate.
VAT_PERCENT = {"LDN-01": Decimal(20), "DUB-01": Decimal(23)}
# The barcode the README asks to look up.
README_GTIN = "5018144960277"

# (partner slug or None, category or "") → markup %, margin floor %, rounding, use MSRP
PRICING_RULES = {
    (None, ""): (Decimal(100), Decimal(30), Rounding.UP_TO_99, False),
    (None, Category.HOME.value): (Decimal(120), Decimal(35), Rounding.UP_TO_95, False),
    (PartnerName.STRIDEWELL.value, ""): (Decimal(90), Decimal(25), Rounding.UP_TO_99, True),
    (PartnerName.HEARTH.value, Category.HOME.value): (
        Decimal(110),
        Decimal(30),
        Rounding.UP_TO_WHOLE,
        False,
    ),
}


@transaction.atomic
def demo_catalogue_seed(catalog: Catalog | None = None) -> None:
    """Needs the demo stores and the sandbox partners (by slug); missing ones are skipped."""
    catalog = catalog or catalog_default()
    partners = {partner.slug: partner for partner in Partner.objects.all()}
    _kept(ExchangeRate, {"from_currency": PARTNER_CURRENCY, "to_currency": "EUR"}, rate=GBP_TO_EUR)
    for store in Store.objects.filter(code__in=VAT_PERCENT):
        StoreTaxRate.objects.update_or_create(
            store=store, category="", defaults={"rate_percent": VAT_PERCENT[store.code]}
        )
    for (slug, category), (markup, floor, rounding, use_msrp) in PRICING_RULES.items():
        if slug is not None and slug not in partners:
            continue
        _kept(
            PricingRule,
            {"partner": partners.get(slug), "category": category},
            markup_percent=markup,
            margin_floor_percent=floor,
            rounding=rounding.value,
            use_msrp=use_msrp,
        )
    offers_by_product: dict[str, list[Offer]] = {}
    for offer in catalog.offers:
        offers_by_product.setdefault(offer.product.number, []).append(offer)
    listed = demo_master_products(catalog, offers_by_product)
    for product in listed:
        _master_product_seed(product, offers_by_product[product.number])
    listed_numbers = {product.number for product in listed}
    items = [
        _supplier_item(partners[offer.partner.value], offer, index)
        for offer in catalog.offers
        if offer.partner.value in partners
        and (offer.partner is PartnerName.BAYWATER or offer.product.number in listed_numbers)
        for index in range(len(offer.variants))
    ]
    SupplierItem.objects.bulk_create(
        items,
        update_conflicts=True,
        unique_fields=["partner", "gtin"],
        update_fields=["partner_sku", "partner_product_number", "cost", "currency"],
    )


def _kept(model, lookup: dict, **values) -> None:
    """Create the row, or change it only where it differs: a second seed writes no history."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        model.objects.create(**lookup, **values)
    elif any(getattr(row, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(row, name, value)
        row.save()


def demo_master_products(
    catalog: Catalog, offers_by_product: dict[str, list[Offer]]
) -> list[Product]:
    """Per category, the first product Baywater and at least two range partners stock; and
    the product of the README's barcode."""
    listed = []
    for category in Category:
        listed.append(
            next(
                product
                for product in catalog.products
                if product.category is category
                and PartnerName.BAYWATER in (partners := _partners(offers_by_product, product))
                and len(partners & set(RANGE_PARTNERS)) >= 2
            )
        )
    listed += [
        product
        for product in catalog.products
        if any(variant.gtin == README_GTIN for variant in product.variants)
        and product not in listed
    ]
    return listed


def _partners(offers_by_product: dict[str, list[Offer]], product: Product) -> set[PartnerName]:
    return {offer.partner for offer in offers_by_product.get(product.number, [])}


def _master_product_seed(product: Product, offers: list[Offer]) -> None:
    """Listed at the main range partner's recommended price, as it is in GBP, and in EUR at the
    demo rate rounded up to .99."""
    gbp = next(offer for offer in offers if offer.partner in RANGE_PARTNERS).rrp
    master, _ = MasterProduct.objects.update_or_create(
        store_sku=product.number,
        defaults={
            "name": product.name,
            "brand": product.brand,
            "category": product.category.value,
            "description": product.description,
        },
    )
    master_product_gtins_and_prices_set(
        product=master,
        gtin14s=[gtin_normalise(variant.gtin).gtin14 for variant in product.variants],
        prices={
            "GBP": gbp,
            "EUR": price_rounded(gbp * GBP_TO_EUR, Rounding.UP_TO_99, "EUR"),
        },
    )


def _supplier_item(partner: Partner, offer: Offer, index: int) -> SupplierItem:
    item = offer.variants[index]
    return SupplierItem(
        partner=partner,
        gtin=gtin_normalise(item.variant.gtin).gtin14,
        partner_sku=item.sku,
        partner_product_number=offer.product_number,
        cost=offer.cost,
        currency=PARTNER_CURRENCY,
    )
