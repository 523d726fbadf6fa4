"""Reads of the catalogue, each in a fixed number of queries."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.db.models.functions import Lower

from catalog.catalogue_facts import CatalogueEntry, CatalogueFacts, SupplierTerms
from catalog.models import (
    ExchangeRate,
    MasterProduct,
    PricingRule,
    ProductGtin,
    RetailPrice,
    StoreTaxRate,
    SupplierItem,
)
from catalog.pricing import Money, PriceRule, PricingContext, Rounding, StorePricing
from stores.models import Store

# A product number names every size and colour of a product; no product has more GTINs.
CODE_GTINS_MAX = 200


def pricing_context_for(store: Store) -> PricingContext:
    """Everything pricing needs for `store`, in three queries."""
    rules = tuple(
        PriceRule(
            markup_percent=rule.markup_percent,
            margin_floor_percent=rule.margin_floor_percent,
            rounding=Rounding(rule.rounding),
            use_msrp=rule.use_msrp,
            partner_id=rule.partner_id,
            category=rule.category,
            rule_id=rule.pk,
        )
        for rule in PricingRule.objects.order_by("pk")
    )
    rates = {
        (rate.from_currency, rate.to_currency): rate.rate
        for rate in ExchangeRate.objects.filter(to_currency=store.currency)
    }
    tax_percents = dict(
        StoreTaxRate.objects.filter(store=store).values_list("category", "rate_percent")
    )
    return PricingContext(
        store=StorePricing(
            code=store.code,
            currency=store.currency,
            prices_include_tax=store.prices_include_tax,
            tax_percents=tax_percents,
        ),
        rules=rules,
        rates=rates,
    )


def catalogue_facts_for(gtin14s: Iterable[str]) -> CatalogueFacts:
    """The master's products and the supplier items of these GTINs (GTIN-14), in three
    queries whatever their number."""
    gtin14s = sorted(set(gtin14s))
    if not gtin14s:
        return CatalogueFacts()
    rows = list(ProductGtin.objects.filter(gtin__in=gtin14s).select_related("product"))
    prices: dict[int, dict] = defaultdict(dict)
    for price in RetailPrice.objects.filter(product__in={row.product_id for row in rows}):
        prices[price.product_id][price.currency] = price.amount
    entries = {
        row.gtin: CatalogueEntry(
            product_id=row.product_id,
            store_sku=row.product.store_sku,
            name=row.product.name,
            brand=row.product.brand,
            category=row.product.category,
            description=row.product.description,
            images=tuple(row.product.image_list),
            retail_prices=prices[row.product_id],
        )
        for row in rows
    }
    supplier_items = {
        (item.partner_id, item.gtin): SupplierTerms(
            partner_id=item.partner_id,
            gtin14=item.gtin,
            partner_sku=item.partner_sku,
            cost=Money(item.cost, item.currency),
        )
        for item in SupplierItem.objects.filter(gtin__in=gtin14s)
    }
    return CatalogueFacts(entries=entries, supplier_items=supplier_items)


@dataclass(frozen=True)
class CodeMatch:
    """The GTINs (GTIN-14) a typed code names in the catalogue, and what it matched."""

    matched: str  # "store_sku", "partner_sku" or "partner_product_number"
    gtin14s: tuple[str, ...]
    partner_ids: frozenset[int] = frozenset()


def catalogue_code_match(text: str) -> CodeMatch | None:
    """What `text` names in the catalogue, compared without regard to case (through the
    tables' lower-case indexes): a store SKU first, then a partner SKU, then a partner's
    product number. None when nothing matches."""
    key = text.lower()
    product = MasterProduct.objects.alias(sku=Lower("store_sku")).filter(sku=key).first()
    if product is not None:
        return CodeMatch(
            matched="store_sku",
            gtin14s=tuple(product.gtins.values_list("gtin", flat=True)[:CODE_GTINS_MAX]),
        )
    items = list(
        SupplierItem.objects.alias(sku=Lower("partner_sku"), number=Lower("partner_product_number"))
        .filter(Q(sku=key) | Q(number=key))
        .order_by("partner_id", "gtin")
        .values_list("partner_id", "gtin", "partner_sku")[:CODE_GTINS_MAX]
    )
    if not items:
        return None
    by_sku = [(partner, gtin) for partner, gtin, sku in items if sku.lower() == key]
    chosen = by_sku or [(partner, gtin) for partner, gtin, _ in items]
    return CodeMatch(
        matched="partner_sku" if by_sku else "partner_product_number",
        gtin14s=tuple(dict.fromkeys(gtin for _, gtin in chosen)),
        partner_ids=frozenset(partner for partner, _ in chosen),
    )
