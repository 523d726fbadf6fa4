"""The seed catalogue the sandbox partners sell from.

One catalogue, generated from a fixed seed, so the demo, the tests and the benchmarks all see the
same products, and a GTIN scanned in the demo is carried by the same partners at the same prices
every time. Products are shared (same GTINs) but each partner has its own codes, prices and stock,
because that is exactly what the back office has to reconcile.

Three partners carry ranges (names, variants, prices). Baywater, a wholesaler, stocks a share of
the same products by GTIN alone: its offers come from a random stream of their own, so adding it
left the three ranges exactly as they were.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from functools import cache

from partners.mapping.gtin import gtin_check_digit
from partners.sandbox.catalog_data import (
    APPAREL_SIZES,
    BRANDS,
    COLOURS,
    FOOTWEAR_SIZES,
    ONE_SIZE,
    PRODUCT_TYPES,
    Category,
    Colour,
    Size,
)

DEFAULT_SEED = 20250117
PRODUCTS_PER_CATEGORY = 72
SIMILAR_PER_OFFER = 4
PENNY = Decimal("0.01")


class PartnerName(StrEnum):
    THREADLINE = "threadline"
    STRIDEWELL = "stridewell"
    HEARTH = "hearth"
    BAYWATER = "baywater"


RANGE_PARTNERS = (PartnerName.THREADLINE, PartnerName.STRIDEWELL, PartnerName.HEARTH)


@dataclass(frozen=True)
class Variant:
    gtin: str
    size: Size
    colour: Colour


@dataclass(frozen=True)
class Product:
    number: str
    name: str
    brand: str
    description: str
    category: Category
    variants: tuple[Variant, ...]


@dataclass(frozen=True)
class OfferVariant:
    sku: str
    variant: Variant
    stock: int


@dataclass(frozen=True)
class Offer:
    """One partner's terms for one product: its own codes, cost to us, retail price, stock."""

    partner: PartnerName
    product: Product
    product_number: str
    cost: Decimal
    rrp: Decimal
    lead_time_days: int
    variants: tuple[OfferVariant, ...]
    similar: tuple[str, ...] = ()

    def image_skus(self) -> list[str]:
        """One picture per colour, named after the first SKU in that colour."""
        first_sku: dict[Colour, str] = {}
        for item in self.variants:
            first_sku.setdefault(item.variant.colour, item.sku)
        return list(first_sku.values())


@dataclass(frozen=True)
class Catalog:
    products: tuple[Product, ...]
    offers: tuple[Offer, ...]

    def offers_of(self, partner: PartnerName) -> tuple[Offer, ...]:
        return tuple(offer for offer in self.offers if offer.partner is partner)


CATEGORY_SIZES = {Category.APPAREL: APPAREL_SIZES, Category.FOOTWEAR: FOOTWEAR_SIZES}
RRP_RANGE = {
    Category.APPAREL: (25, 180),
    Category.FOOTWEAR: (55, 220),
    Category.HOME: (12, 160),
}
# Each category's main partner; the others carry some of it too.
PRIMARY_PARTNER = {
    Category.APPAREL: PartnerName.THREADLINE,
    Category.FOOTWEAR: PartnerName.STRIDEWELL,
    Category.HOME: PartnerName.HEARTH,
}


def catalog_build(seed: int = DEFAULT_SEED) -> Catalog:
    """Build the catalogue from `seed`; the same seed gives the same catalogue in any process."""
    rng = random.Random(seed)  # noqa: S311 - repeatable demo data, nothing secret
    products = _products_build(rng)
    multi_partner = set(rng.sample(range(len(products)), k=len(products) // 3))
    product_numbers = {
        partner: iter(rng.sample(range(10_000, 99_999), k=len(products)))
        for partner in RANGE_PARTNERS
    }
    offers: list[Offer] = []
    for index, product in enumerate(products):
        partners = [PRIMARY_PARTNER[product.category]]
        if index in multi_partner:
            others = [partner for partner in RANGE_PARTNERS if partner not in partners]
            partners += rng.sample(others, k=rng.choice((1, 2)))
        costs = _distinct_costs(rng, product.category, len(partners))
        for partner, (cost, rrp) in zip(partners, costs, strict=True):
            number = next(product_numbers[partner])
            offers.append(_offer_build(rng, partner, product, number, cost, rrp))
    ranges = _with_similar(rng, offers)
    return Catalog(
        products=tuple(products), offers=(*ranges, *_wholesale_offers(seed, products, ranges))
    )


@cache
def catalog_default() -> Catalog:
    """The catalogue every sandbox serves unless told otherwise; built once per process."""
    return catalog_build()


def _products_build(rng: random.Random) -> list[Product]:
    products: list[Product] = []
    gtin_serial = rng.randrange(1_000_000_000, 2_000_000_000)
    for category in Category:
        names = [
            (f"{qualifier} {kind.noun}", kind)
            for kind in PRODUCT_TYPES[category]
            for qualifier in kind.qualifiers
        ]
        for name, kind in rng.sample(names, k=PRODUCTS_PER_CATEGORY):
            brand = rng.choice(BRANDS[category])
            sizes = kind.sizes or CATEGORY_SIZES.get(category, ONE_SIZE)
            colours = rng.sample(COLOURS[category], k=rng.choice((1, 2, 3)))
            variants = []
            for colour in colours:
                for size in sizes:
                    body = f"50{gtin_serial:010d}"
                    gtin_serial += 1
                    variants.append(Variant(f"{body}{gtin_check_digit(body)}", size, colour))
            products.append(
                Product(
                    number=f"EA{len(products) + 1:05d}",
                    name=name,
                    brand=brand,
                    description=f"{name} by {brand}. {kind.detail}",
                    category=category,
                    variants=tuple(variants),
                )
            )
    return products


def _distinct_costs(
    rng: random.Random, category: Category, count: int
) -> list[tuple[Decimal, Decimal]]:
    """(cost, rrp) per partner; costs differ so that choosing between partners means something."""
    low, high = RRP_RANGE[category]
    brand_rrp = rng.randint(low, high)
    terms: list[tuple[Decimal, Decimal]] = []
    while len(terms) < count:
        pounds = brand_rrp + rng.choice((0, 0, 5, -2))
        rrp = Decimal(pounds) - PENNY * rng.choice((0, 1, 10))
        cost = (rrp * Decimal(rng.uniform(0.42, 0.68))).quantize(PENNY)
        if all(cost != existing for existing, _ in terms):
            terms.append((cost, rrp))
    return terms


def _offer_build(
    rng: random.Random,
    partner: PartnerName,
    product: Product,
    number: int,
    cost: Decimal,
    rrp: Decimal,
) -> Offer:
    product_number = PRODUCT_NUMBER_FORMAT[partner].format(number=number)
    return Offer(
        partner=partner,
        product=product,
        product_number=product_number,
        cost=cost,
        rrp=rrp,
        lead_time_days=rng.randint(1, 5),
        variants=tuple(
            OfferVariant(
                sku=_sku(partner, product_number, position, variant),
                variant=variant,
                stock=rng.choices((0, rng.randint(1, 3), rng.randint(4, 40)), (1, 2, 7))[0],
            )
            for position, variant in enumerate(product.variants)
        ),
    )


PRODUCT_NUMBER_FORMAT = {
    PartnerName.THREADLINE: "TL-{number}",
    PartnerName.STRIDEWELL: "SW{number}",
    PartnerName.HEARTH: "HH{number}",
}


def _sku(partner: PartnerName, product_number: str, position: int, variant: Variant) -> str:
    """Each partner codes its SKUs its own way, as real suppliers do."""
    if partner is PartnerName.THREADLINE:
        return f"{product_number}-{variant.colour.code}-{variant.size.code}"
    if partner is PartnerName.STRIDEWELL:
        return f"{product_number}{position + 1:03d}"
    return f"{product_number}.{variant.colour.code}.{variant.size.code}"


WHOLESALE_SHARE = 4  # Baywater stocks about one product in this many


def _wholesale_offers(seed: int, products: list[Product], ranges: list[Offer]) -> list[Offer]:
    """Baywater's offers: every variant of a share of the products, each known by its GTIN
    (which is also its SKU), at a wholesale cost below the range partners' recommended price."""
    rng = random.Random(f"{seed}-wholesale")  # noqa: S311 - repeatable demo data
    rrp = {offer.product.number: offer.rrp for offer in ranges}
    chosen = sorted(rng.sample(range(len(products)), k=len(products) // WHOLESALE_SHARE))
    offers = []
    for index in chosen:
        product = products[index]
        price = rrp[product.number]
        offers.append(
            Offer(
                partner=PartnerName.BAYWATER,
                product=product,
                product_number=f"BW{index + 1:05d}",
                cost=(price * Decimal(rng.uniform(0.38, 0.5))).quantize(PENNY),
                rrp=price,
                lead_time_days=rng.randint(2, 6),
                variants=tuple(
                    OfferVariant(
                        sku=variant.gtin,
                        variant=variant,
                        stock=rng.choices((0, rng.randint(1, 3), rng.randint(4, 60)), (1, 2, 7))[0],
                    )
                    for variant in product.variants
                ),
            )
        )
    return offers


def _with_similar(rng: random.Random, offers: list[Offer]) -> list[Offer]:
    """Give each offer a few same-category offers of the same partner as 'similar items'."""
    result = []
    for offer in offers:
        candidates = [
            other.product_number
            for other in offers
            if other.partner is offer.partner
            and other.product.category is offer.product.category
            and other is not offer
        ]
        similar = tuple(rng.sample(candidates, k=min(SIMILAR_PER_OFFER, len(candidates))))
        result.append(replace(offer, similar=similar))
    return result


class PartnerCatalog:
    """One partner's view of the catalogue, indexed the ways its API looks things up."""

    def __init__(self, catalog: Catalog, partner: PartnerName) -> None:
        self.partner = partner
        self.offers = catalog.offers_of(partner)
        self._by_number = {offer.product_number: offer for offer in self.offers}
        self._by_gtin: dict[str, tuple[Offer, OfferVariant]] = {}
        self._by_sku: dict[str, tuple[Offer, OfferVariant]] = {}
        for offer in self.offers:
            for item in offer.variants:
                self._by_gtin[item.variant.gtin] = (offer, item)
                self._by_sku[item.sku] = (offer, item)

    def by_number(self, product_number: str) -> Offer | None:
        return self._by_number.get(product_number)

    def by_gtin(self, gtin: str) -> tuple[Offer, OfferVariant] | None:
        return self._by_gtin.get(gtin)

    def by_sku(self, sku: str) -> tuple[Offer, OfferVariant] | None:
        return self._by_sku.get(sku)

    def search(self, text: str) -> list[Offer]:
        """Offers whose name contains every word of `text`, in product-number order."""
        words = text.lower().split()
        return [
            offer
            for offer in sorted(self.offers, key=lambda offer: offer.product_number)
            if words and all(word in offer.product.name.lower() for word in words)
        ]

    def similar(self, offer: Offer) -> list[Offer]:
        return [self._by_number[number] for number in offer.similar]
