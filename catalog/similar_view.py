"""Similar items for a product page: from the partners that offer the item (their `similar`
operation), else from the catalogue (same category, price within a band of the item's).

Partners are asked one at a time, by priority, until one names similar items: most partners
have no such operation (no call is made for them) and the first that answers is enough for a
short list. This runs in its own request after the product page has shown, so a slow partner
never delays the offers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from catalog.catalogue_facts import gtin14_or_none
from catalog.product_view import ProductPage
from catalog.search import similar_items
from catalog.selectors import SIMILAR_ITEMS_MAX, catalogue_similar
from partners.mapping import Product


@dataclass(frozen=True)
class SimilarLink:
    name: str
    brand: str | None
    gtin14: str
    price: Decimal | None = None  # the catalogue's price in the store's currency, when known


@dataclass(frozen=True)
class SimilarItems:
    links: tuple[SimilarLink, ...]
    # Who suggested them: a partner's name, or None for the catalogue's own suggestions.
    partner_name: str | None


def similar_for(page: ProductPage, *, currency: str) -> SimilarItems:
    """Up to SIMILAR_ITEMS_MAX items like the one on `page`, never the item itself."""
    own = {page.gtin14} | {variant.gtin14 for variant in page.variants if variant.gtin14}
    for partner, product_id in page.sources:
        try:
            outcome = similar_items(partner=partner, partner_product_id=product_id)
        except ValueError:  # a product number we would not send back to the partner
            continue
        if not outcome.answered:
            continue
        links = _partner_links(outcome.answer, own)
        if links:
            return SimilarItems(links=links, partner_name=partner.name)
    price = page.selected.lowest_price if page.selected else None
    if page.category is None or price is None:
        return SimilarItems(links=(), partner_name=None)
    found = catalogue_similar(
        category=page.category, price=price, currency=currency, exclude_gtin14s=own
    )
    return SimilarItems(
        links=tuple(
            SimilarLink(
                name=item.name, brand=item.brand or None, gtin14=item.gtin14, price=item.price
            )
            for item in found
        ),
        partner_name=None,
    )


def _partner_links(products: list[Product], own: set[str]) -> tuple[SimilarLink, ...]:
    """A link per product that has a valid GTIN not of the item itself: the product page is
    found by GTIN, and a partner's answer is untrusted."""
    links: dict[str, SimilarLink] = {}
    for product in products:
        gtin14 = next(
            (gtin for variant in product.variants if (gtin := gtin14_or_none(variant.gtin))),
            None,
        )
        if gtin14 is None or gtin14 in own or gtin14 in links:
            continue
        links[gtin14] = SimilarLink(
            name=product.name or f"Item {gtin14}", brand=product.brand, gtin14=gtin14
        )
    return tuple(links.values())[:SIMILAR_ITEMS_MAX]
