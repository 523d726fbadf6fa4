"""Our price of a lookup's offers at one store: the product page shows and ranks offers with
it and the cart prices its lines with it, so the price an associate sees on the product page is
the one the cart charges.

The price is always ours (`catalog.catalogue_facts.variant_offer_price`, which the search
results use too): never the partner's cost and never anything a browser sent.
`offer_pricing_for` reads the store's pricing and the catalogue facts once, in a fixed number of
queries; pricing offers then asks the database nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from catalog.catalogue_facts import CatalogueFacts, variant_offer_price
from catalog.offers import SellingPrice, Stock, VariantOffer, offer_rank
from catalog.pricing import OfferPrice, PricingContext
from catalog.selectors import catalogue_facts_for, pricing_context_for
from stores.models import Store


@dataclass(frozen=True)
class OfferPricing:
    """The store's pricing rules with the catalogue's facts about the GTINs being priced."""

    context: PricingContext
    facts: CatalogueFacts

    @property
    def currency(self) -> str:
        return self.context.store.currency

    def price(self, offer: VariantOffer, gtin14: str) -> OfferPrice:
        """Our price of a partner's offer of `gtin14` (its GTIN-14, "" when it has none)."""
        return variant_offer_price(offer, gtin14=gtin14, context=self.context, facts=self.facts)

    def selling_price(self, gtin14: str) -> SellingPrice:
        """The `selling_price` a lookup of `gtin14` ranks its offers by."""
        return lambda offer: self.price(offer, gtin14).amount

    def ranked(
        self, offers: Iterable[VariantOffer], *, gtin14: str, quantity: int, today: date
    ) -> list[tuple[VariantOffer, OfferPrice]]:
        """Each offer of `gtin14` with our price (also set as its `selling_price`), best first:
        the offers we can sell now (our price, not out of stock) by the lookup's own ranking,
        then the others by it. Ranked by the lookup alone, an offer below the margin floor
        that ships a day sooner was "best" while the cart could only take another."""

        def rank(pair: tuple[VariantOffer, OfferPrice]) -> tuple:
            offer, price = pair
            can_sell = price.sellable and offer.stock(quantity) is not Stock.NONE
            return (not can_sell, offer_rank(offer, quantity=quantity, today=today))

        return sorted(
            (
                (replace(offer, selling_price=price.amount), price)
                for offer in offers
                for price in [self.price(offer, gtin14)]
            ),
            key=rank,
        )


def offer_pricing_for(store: Store, gtin14s: Iterable[str]) -> OfferPricing:
    """The store's pricing and the catalogue facts of `gtin14s` (six queries)."""
    return OfferPricing(pricing_context_for(store), catalogue_facts_for(gtin14s))
