"""Partners' answers merged into product views, and each item's offers ranked.

Grouping. Partners name the same item by its GTIN, so:
- a product view is every partner product (or availability answer) linked through a GTIN they
  share, whatever each partner calls the product;
- within it, a variant view is one GTIN. A variant sent without a GTIN joins the variant of the
  same view whose attributes are equal (size, colour…; compared ignoring case and spacing)
  when exactly one is; otherwise it is a variant of its own, shared with other GTIN-less
  variants of equal attributes;
- an availability-only partner's answer is an offer of the code it was asked for.

Ranking, best first, of the offers of one variant: how well the partner covers the quantity
asked (`Stock`), then the delivery time (days; a date counts from today; unknown last), then the
partner's priority (lower first), then our selling price (lower first; no price last), then the
partner's slug so equal offers always come out in the same order. The selling price is the
pricing engine's business: the caller passes it as `selling_price`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import IntEnum

from partners.mapping import Availability, Product
from partners.mapping.gtin import GtinError, gtin_normalise
from partners.models import Partner

IMAGES_MAX = 12
_SPACES = re.compile(r"\s+")


class Stock(IntEnum):
    """How well an offer covers the quantity asked; lower ranks first."""

    ENOUGH = 0  # the quantity asked, or more
    UNKNOWN = 1  # the partner did not say
    SHORT = 2  # some, fewer than asked
    NONE = 3  # none


@dataclass(frozen=True)
class VariantOffer:
    """One partner's offer of one item. `product` is the partner's product it belongs to
    (None for an availability-only answer, which has only the fields a partner can send for
    it). `cost` and `msrp` are the partner's, in `currency`; `selling_price` is ours, set by
    `product_views` from the caller's pricing. The printed form (repr) leaves out the cost and
    the partner's product (which holds its variants' costs): associates must never see one."""

    partner: Partner
    fetched_at: datetime | None
    gtin: str | None
    partner_sku: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    available: bool | None = None
    available_quantity: int | None = None
    delivery_days: int | None = None
    delivery_date: date | None = None
    cost: Decimal | None = field(default=None, repr=False)
    msrp: Decimal | None = None
    currency: str | None = None
    product: Product | None = field(default=None, repr=False)
    selling_price: Decimal | None = None

    def stock(self, quantity: int) -> Stock:
        if self.available is False or self.available_quantity == 0:
            return Stock.NONE
        if self.available_quantity is None:
            # An availability answer is about the quantity asked ($input.quantity).
            return Stock.ENOUGH if self.available else Stock.UNKNOWN
        return Stock.ENOUGH if self.available_quantity >= quantity else Stock.SHORT

    def days_to_deliver(self, today: date) -> int | None:
        if self.delivery_days is not None:
            return self.delivery_days
        if self.delivery_date is not None:
            return max(0, (self.delivery_date - today).days)
        return None


SellingPrice = Callable[[VariantOffer], Decimal | None]


def unpriced(offer: VariantOffer) -> Decimal | None:
    """The price key of offers not priced yet: a page prices them once the catalogue facts of
    every GTIN in the answers are known, then ranks them again (`catalog.offer_pricing`)."""
    return None


@dataclass(frozen=True)
class PartnerItem:
    """A partner's product, or its availability answer for `gtin` (the code asked for)."""

    partner: Partner
    item: Product | Availability
    fetched_at: datetime | None
    gtin: str | None = None


@dataclass(frozen=True)
class VariantView:
    gtin: str | None
    attributes: Mapping[str, str]
    offers: tuple[VariantOffer, ...]  # best first

    @property
    def best(self) -> VariantOffer:
        return self.offers[0]


@dataclass(frozen=True)
class ProductView:
    """One item as the associate sees it, whichever partners offer it. Name, brand,
    description and category come from the first partner that sends each, by priority;
    images from all of them, in that order."""

    name: str | None
    brand: str | None
    description: str | None
    category: str | None
    images: tuple[str, ...]
    variants: tuple[VariantView, ...]
    # Each partner's own product, for similar items; not printed: its variants hold costs.
    products: tuple[tuple[Partner, Product], ...] = field(repr=False)

    def variant(self, gtin: str) -> VariantView | None:
        """The variant of this GTIN in any spelling; None when it is not one of them."""
        try:
            wanted = gtin_normalise(gtin).gtin14
        except GtinError:
            return None
        return next((view for view in self.variants if _gtin14(view.gtin) == wanted), None)


def offer_rank(offer: VariantOffer, *, quantity: int, today: date) -> tuple:
    """The sort key of an offer (see the module's docstring); `selling_price` must be set."""
    days = offer.days_to_deliver(today)
    price = offer.selling_price
    return (
        offer.stock(quantity),
        days is None,
        days or 0,
        offer.partner.priority,
        price is None,
        price or Decimal(0),
        offer.partner.slug,
    )


def item_offers(item: PartnerItem) -> list[VariantOffer]:
    """The offers in one partner's answer, in the partner's order."""
    if isinstance(item.item, Availability):
        availability = item.item
        return [
            VariantOffer(
                partner=item.partner,
                fetched_at=item.fetched_at,
                gtin=item.gtin,
                partner_sku=availability.partner_sku,
                available=availability.available,
                available_quantity=availability.available_quantity,
                delivery_days=availability.delivery_days,
                delivery_date=availability.delivery_date,
            )
        ]
    product = item.item
    return [
        VariantOffer(
            partner=item.partner,
            fetched_at=item.fetched_at,
            gtin=variant.gtin,
            partner_sku=variant.partner_sku,
            attributes=variant.attributes,
            available_quantity=variant.available_quantity,
            delivery_days=variant.delivery_days,
            delivery_date=variant.delivery_date,
            cost=variant.cost,
            msrp=variant.msrp,
            currency=variant.currency,
            product=product,
        )
        for variant in product.variants
    ]


def product_views(
    items: Iterable[PartnerItem],
    *,
    quantity: int,
    selling_price: SellingPrice,
    today: date,
) -> list[ProductView]:
    """The items grouped into product views, in the order each view's first item came;
    variants in the order they first came, each variant's offers ranked best first."""
    items = list(items)
    offers = [
        [
            VariantOffer(**vars(offer) | {"selling_price": selling_price(offer)})
            for offer in item_offers(item)
        ]
        for item in items
    ]
    views = []
    for group in _groups(offers):
        group_offers = [offer for index in group for offer in offers[index]]
        views.append(
            _product_view(
                [items[index] for index in group],
                _variant_views(group_offers, quantity=quantity, today=today),
            )
        )
    return views


def _groups(offers: list[list[VariantOffer]]) -> list[list[int]]:
    """Indexes of the items, grouped when they share a GTIN (union-find), in first order."""
    parent = list(range(len(offers)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    first_with: dict[str, int] = {}
    for index, offers_of_item in enumerate(offers):
        for offer in offers_of_item:
            if (key := _gtin14(offer.gtin)) is None:
                continue
            other = first_with.setdefault(key, index)
            low, high = sorted((root(index), root(other)))
            parent[high] = low  # the earlier item's root, so groups keep their first order
    groups: dict[int, list[int]] = {}
    for index in range(len(offers)):
        groups.setdefault(root(index), []).append(index)
    return list(groups.values())


def _variant_views(offers: list[VariantOffer], *, quantity: int, today: date) -> list[VariantView]:
    by_key: dict[tuple, list[VariantOffer]] = {}
    first_offer: dict[tuple, VariantOffer] = {}
    for offer in offers:
        if (gtin14 := _gtin14(offer.gtin)) is not None:
            key = ("gtin", gtin14)
            by_key.setdefault(key, []).append(offer)
            first_offer.setdefault(key, offer)
    by_attributes: dict[tuple, list[tuple]] = {}
    for key, offer in first_offer.items():
        by_attributes.setdefault(_attributes_key(offer.attributes), []).append(key)
    for offer in offers:
        if offer.gtin is not None:
            continue
        attributes = _attributes_key(offer.attributes)
        matches = by_attributes.get(attributes, []) if attributes else []
        if len(matches) == 1:
            key = matches[0]
        elif attributes:
            key = ("attributes", attributes)
        else:
            key = ("sku", offer.partner.pk, offer.partner_sku)
        by_key.setdefault(key, []).append(offer)
        first_offer.setdefault(key, offer)
    order = {id(offer): position for position, offer in enumerate(offers)}
    views = []
    for key, key_offers in sorted(by_key.items(), key=lambda kv: order[id(first_offer[kv[0]])]):
        head = first_offer[key]
        views.append(
            VariantView(
                gtin=head.gtin,
                attributes=head.attributes,
                offers=tuple(
                    sorted(
                        key_offers,
                        key=lambda offer: offer_rank(offer, quantity=quantity, today=today),
                    )
                ),
            )
        )
    return views


def _product_view(items: list[PartnerItem], variants: list[VariantView]) -> ProductView:
    products = sorted(
        (
            (index, item.partner, item.item)
            for index, item in enumerate(items)
            if isinstance(item.item, Product)
        ),
        key=lambda entry: (entry[1].priority, entry[1].slug, entry[0]),
    )

    def first(name: str) -> str | None:
        return next((getattr(p, name) for _, _, p in products if getattr(p, name)), None)

    images: list[str] = []
    for _, _, product in products:
        images += [image for image in product.images if image not in images]
    return ProductView(
        name=first("name"),
        brand=first("brand"),
        description=first("description"),
        category=first("category"),
        images=tuple(images[:IMAGES_MAX]),
        variants=tuple(variants),
        products=tuple((partner, product) for _, partner, product in products),
    )


def _gtin14(code: str | None) -> str | None:
    """One spelling for equal items. A mapped GTIN (and a looked-up code) is validated digits
    already, so padding is all it takes: the merge does this for every offer."""
    return None if code is None else code.zfill(14)


def _attributes_key(attributes: Mapping[str, str]) -> tuple:
    def plain(text: str) -> str:
        return _SPACES.sub(" ", text).strip().casefold()

    return tuple(sorted((plain(name), plain(value)) for name, value in attributes.items()))
