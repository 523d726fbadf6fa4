"""What the search page shows for a name: one merged page of every live partner's results,
each item at the store's price, and who is not answering.

Offers are priced as on the product page and in the cart (`catalog.offer_pricing`),
after the partners answered, with the catalogue facts of every GTIN on the page: a fixed
number of queries whatever the number of partners and results (the live partners, the store's
pricing context and the catalogue facts). A result shows the lowest price of any of its
variants ("from"), and never a cost, whoever looks.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from catalog.catalogue_facts import gtin14_or_none
from catalog.fanout import OutcomeStatus
from catalog.offer_pricing import OfferPricing, offer_pricing_for
from catalog.offers import ProductView, Stock
from catalog.product_view import PartnerNote
from catalog.search import catalog_search, search_query_clean
from catalog.selectors import partners_live
from stores.models import Store


@dataclass(frozen=True)
class SearchResult:
    """One item found. `gtin14` leads to its product page; an item no partner gave a valid
    GTIN for has none, and is listed without a link (the product page is found by GTIN)."""

    name: str
    brand: str | None
    image: str | None
    gtin14: str | None
    price: Decimal | None  # the lowest of its variants, in the store's currency
    currency: str
    partners: tuple[str, ...]
    available: bool


@dataclass(frozen=True)
class SearchPage:
    query: str
    results: tuple[SearchResult, ...]
    not_answering: tuple[PartnerNote, ...]
    next_cursor: str | None
    asked: int


def search_page(
    *, query: str, store: Store, cursor: str | None = None, refresh: bool = False
) -> SearchPage:
    """One page of results for `query` (the first, or the page `cursor` names). ValueError
    for a query that is empty or too long, `catalog.search.SearchCursorInvalid` for a cursor
    we did not make for it; both before any partner is asked. Must run outside any
    transaction, like a lookup."""
    query = search_query_clean(query)
    partners = list(partners_live())
    if not partners:
        return SearchPage(query=query, results=(), not_answering=(), next_cursor=None, asked=0)
    found = catalog_search(query=query, partners=partners, cursor=cursor, refresh=refresh)
    pricing = offer_pricing_for(
        store,
        (
            gtin14
            for view in found.views
            for variant in view.variants
            if (gtin14 := gtin14_or_none(variant.gtin))
        ),
    )
    return SearchPage(
        query=found.query,
        results=tuple(_result(view, pricing) for view in found.views),
        not_answering=tuple(
            PartnerNote(name=outcome.partner.name, reason=outcome.reason)
            for outcome in found.outcomes
            if outcome.status == OutcomeStatus.NOT_ANSWERING
        ),
        next_cursor=found.next_cursor,
        asked=len(found.outcomes),
    )


def _result(view: ProductView, pricing: OfferPricing) -> SearchResult:
    gtins = [gtin14_or_none(variant.gtin) for variant in view.variants]
    entry = next((entry for gtin in gtins if gtin and (entry := pricing.facts.entry(gtin))), None)
    prices = [
        price.amount
        for variant, gtin14 in zip(view.variants, gtins, strict=True)
        for offer in variant.offers
        for price in [pricing.price(offer, gtin14 or "")]
        if price.sellable and price.amount is not None
    ]
    images = (entry.images if entry else ()) or view.images
    return SearchResult(
        name=(entry.name if entry else None) or view.name or "Unnamed item",
        brand=(entry.brand if entry else None) or view.brand,
        image=images[0] if images else None,
        gtin14=next((gtin for gtin in gtins if gtin), None),
        price=min(prices, default=None),
        currency=pricing.currency,
        partners=tuple(dict.fromkeys(partner.name for partner, _ in view.products)),
        available=any(
            offer.stock(1) is not Stock.NONE
            for variant in view.variants
            for offer in variant.offers
        ),
    )
