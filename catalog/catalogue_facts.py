"""What the catalogue knows about a set of GTINs, and an offer priced with it (the product
page and the search results price partners' offers the same way, here).

Plain frozen values, built by `catalog.selectors.catalogue_facts_for` in a fixed number of
queries however many GTINs and partners a lookup has, so pricing a page's offers asks the
database nothing more.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from catalog.offers import VariantOffer
from catalog.pricing import Money, OfferPrice, PricingContext
from partners.mapping.gtin import GtinError, gtin_normalise


@dataclass(frozen=True)
class CatalogueEntry:
    """The product master's product for a GTIN: the name, pictures and prices shown whatever
    partners send. `retail_prices` maps currency → the price the customer sees."""

    product_id: int
    store_sku: str
    name: str
    brand: str
    category: str
    description: str
    images: tuple[str, ...]
    retail_prices: Mapping[str, Decimal]


@dataclass(frozen=True)
class SupplierTerms:
    """A partner's agreed cost for a GTIN (a supplier item); the cost is not printed (repr)."""

    partner_id: int
    gtin14: str
    partner_sku: str
    cost: Money = field(repr=False)


@dataclass(frozen=True)
class CatalogueFacts:
    entries: Mapping[str, CatalogueEntry] = field(default_factory=dict)
    supplier_items: Mapping[tuple[int, str], SupplierTerms] = field(default_factory=dict)

    def entry(self, gtin14: str) -> CatalogueEntry | None:
        return self.entries.get(gtin14)

    def supplier_item(self, partner_id: int, gtin14: str) -> SupplierTerms | None:
        return self.supplier_items.get((partner_id, gtin14))

    def partner_ids(self, gtin14: str) -> frozenset[int]:
        """The partners with a supplier item for the GTIN: those a lookup is routed to."""
        return frozenset(partner_id for partner_id, gtin in self.supplier_items if gtin == gtin14)


def offer_price(
    context: PricingContext,
    facts: CatalogueFacts,
    *,
    partner_id: int,
    gtin14: str,
    partner_category: str | None = None,
    cost: Money | None = None,
    msrp: Money | None = None,
) -> OfferPrice:
    """Price a partner's offer of `gtin14` with what the catalogue knows: the master's
    category (the partner's when the master has none) and its price in the store's currency,
    and the supplier item's agreed cost when the partner sent no cost (an availability-only
    partner never does)."""
    entry = facts.entry(gtin14)
    if cost is None and (terms := facts.supplier_item(partner_id, gtin14)) is not None:
        cost = terms.cost
    return context.price(
        partner_id=partner_id,
        category=entry.category if entry is not None and entry.category else partner_category,
        cost=cost,
        msrp=msrp,
        retail_price=(
            entry.retail_prices.get(context.store.currency) if entry is not None else None
        ),
    )


def gtin14_or_none(code: str | None) -> str | None:
    """`code` as GTIN-14, or None when it is missing or not a valid GTIN (a partner's answer
    is untrusted: such an offer is shown, but no catalogue facts apply to it)."""
    if code is None:
        return None
    try:
        return gtin_normalise(code).gtin14
    except GtinError:
        return None


def variant_offer_price(
    offer: VariantOffer,
    *,
    gtin14: str | None,
    context: PricingContext,
    facts: CatalogueFacts,
) -> OfferPrice:
    """A partner's offer priced for the store of `context`: `offer_price` with the partner's
    category, cost and MSRP as the offer sends them. A cost or MSRP in a shape pricing cannot
    take (negative, no currency) counts as not sent: a partner's answer is untrusted."""
    return offer_price(
        context,
        facts,
        partner_id=offer.partner.pk,
        gtin14=gtin14 or "",
        partner_category=offer.product.category if offer.product else None,
        cost=_money(offer.cost, offer.currency),
        msrp=_money(offer.msrp, offer.currency),
    )


def _money(amount: Decimal | None, currency: str | None) -> Money | None:
    if amount is None or not currency:
        return None
    try:
        return Money(amount, currency)
    except ValueError:
        return None
