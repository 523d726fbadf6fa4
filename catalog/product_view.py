"""What the product page shows for one GTIN: partners asked, offers grouped and priced for the
store, variant pickers with per-variant availability, and who is not answering.

The page's reads are a fixed number of queries whatever the number of partners and variants:
the live partners (one), the lookup's live versions (one, `catalog.fanout`), and the store's
pricing with the catalogue facts of every GTIN the partners answered with (six,
`catalog.offer_pricing.offer_pricing_for`). Partner calls write their call-log rows from the
lookup's own threads.

Prices need the catalogue facts of every GTIN in the answers, known only once the partners
have answered; so the lookup ranks offers without a price, and this module prices every offer
with the store's rules afterwards (`catalog.offer_pricing`, as the cart does) and ranks each
variant's offers again: those we can sell now first, each part by the lookup's own ranking.

Costs and margins leave this module only for users who may see them (`Perm.VIEW_COSTS`): for
everyone else they are never put in the page's data, so no template can show them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from catalog.ages import age_text
from catalog.cart_services import LINE_QUANTITY_MAX
from catalog.catalogue_facts import CatalogueEntry, gtin14_or_none
from catalog.fanout import PartnerOutcome
from catalog.lookup import LookupResult, catalog_lookup
from catalog.offer_pricing import OfferPricing, offer_pricing_for
from catalog.offers import ProductView, Stock, VariantOffer, VariantView
from catalog.pricing import OfferPrice, category_key
from catalog.selectors import partners_live
from partners.models import Partner
from stores.models import Store

# The picker attributes, in the order the page shows them; any others are listed as text.
SIZE, COLOUR = "size", "colour"
# How many partners one page may be routed to: a partner's own code names one partner, and a
# store has far fewer partners than this.
ROUTED_PARTNERS_MAX = 20
# A partner id has at most this many digits (a bigint): a longer one names no partner, and
# Python refuses to read a number of over 4,300 digits at all.
PARTNER_ID_MAX_DIGITS = 19


@dataclass(frozen=True)
class Costs:
    """What the retailer pays and keeps: only for users with `Perm.VIEW_COSTS`."""

    cost: Decimal | None
    margin: Decimal | None
    margin_percent: Decimal | None


@dataclass(frozen=True)
class PricedOffer:
    partner_name: str
    partner_slug: str
    amount: Decimal | None
    currency: str
    sellable: bool
    reason: str | None
    stock: Stock
    available_quantity: int | None
    delivery_days: int | None
    delivery_date: date | None
    costs: Costs | None = None

    @property
    def in_stock(self) -> bool:
        return self.stock in (Stock.ENOUGH, Stock.SHORT)

    @property
    def addable(self) -> bool:
        """Can go into a cart: it has our price and is not out of stock. Availability not
        given is addable: adding asks the partner again for the quantity wanted."""
        return self.sellable and self.amount is not None and self.stock is not Stock.NONE

    @property
    def quantity_max(self) -> int:
        """The most one add may ask for: what the partner has where it says, within a line's
        bound."""
        if self.available_quantity is None:
            return LINE_QUANTITY_MAX
        return max(1, min(self.available_quantity, LINE_QUANTITY_MAX))

    @property
    def stock_text(self) -> str:
        if self.stock is Stock.NONE:
            return "Out of stock"
        if self.stock is Stock.UNKNOWN:
            return "Availability not given"
        if self.available_quantity is None:
            return "Available"
        if self.stock is Stock.SHORT:
            return f"Only {self.available_quantity} available"
        return f"{self.available_quantity} available"


@dataclass(frozen=True)
class VariantChoice:
    gtin14: str | None
    size: str | None
    colour: str | None
    other_attributes: tuple[tuple[str, str], ...]
    offers: tuple[PricedOffer, ...]  # best first

    @property
    def best(self) -> PricedOffer:
        return self.offers[0]

    @property
    def available(self) -> bool:
        return any(offer.in_stock for offer in self.offers)

    @property
    def lowest_price(self) -> Decimal | None:
        """The lowest price this variant is sold at (in the store's currency), if any."""
        return min(
            (offer.amount for offer in self.offers if offer.amount is not None), default=None
        )

    @property
    def addable_offers(self) -> tuple[PricedOffer, ...]:
        """The offers that can go into a cart, best first; none without a GTIN to order by."""
        if self.gtin14 is None:
            return ()
        return tuple(offer for offer in self.offers if offer.addable)

    @property
    def not_addable_reason(self) -> str | None:
        """Why no offer of this variant can go into a cart, in words for the associate."""
        if self.addable_offers:
            return None
        if self.gtin14 is None:
            return "This variant has no barcode to order it by."
        if not any(offer.stock is not Stock.NONE for offer in self.offers):
            return "Out of stock at every partner."
        reasons = dict.fromkeys(offer.reason for offer in self.offers if offer.reason)
        return f"Not sellable: {'; '.join(reasons) or 'no price'}."


@dataclass(frozen=True)
class PickerOption:
    """One size (or colour) button: the variant it leads to, keeping the other attribute when
    a variant has both, and whether that variant is available anywhere."""

    value: str
    gtin14: str
    available: bool
    selected: bool


@dataclass(frozen=True)
class PartnerNote:
    name: str
    reason: str


@dataclass(frozen=True)
class ProductPage:
    gtin14: str
    found: bool
    name: str
    brand: str | None
    description: str | None
    images: tuple[str, ...]
    category: str | None
    # Each partner's own product number for the item: whom to ask for similar items.
    sources: tuple[tuple[Partner, str], ...]
    variants: tuple[VariantChoice, ...]
    selected: VariantChoice | None
    sizes: tuple[PickerOption, ...]
    colours: tuple[PickerOption, ...]
    not_answering: tuple[PartnerNote, ...]
    not_carried: tuple[str, ...]
    asked: int
    availability_age: timedelta | None
    shows_costs: bool

    @property
    def availability_age_text(self) -> str | None:
        """ "just now", "40 s ago", "3 min ago": how old the oldest answer shown is."""
        return None if self.availability_age is None else age_text(self.availability_age)


def routed_partner_ids(values: Iterable[str]) -> list[int]:
    """The partner ids a scan routed the page to (the partners whose own code was scanned),
    from the query string: digits only, at most ROUTED_PARTNERS_MAX; anything else ignored."""
    ids = [
        int(value)
        for value in values
        if value.isascii() and value.isdigit() and len(value) <= PARTNER_ID_MAX_DIGITS
    ]
    return list(dict.fromkeys(ids))[:ROUTED_PARTNERS_MAX]


def product_page(
    *,
    gtin14: str,
    store: Store,
    shows_costs: bool,
    routed_to: Sequence[int] = (),
    selected_gtin14: str | None = None,
    refresh: bool = False,
) -> ProductPage:
    """Ask the partners for the picked variant's GTIN (`selected_gtin14`, when it is one of
    this item's), else for `gtin14`, and build the page. Routed to `routed_to` when the scan
    named partners (those of them live), else every live partner. Must run outside any
    transaction (the lookup refuses otherwise)."""
    partners = list(partners_live())
    if routed_to:
        partners = [partner for partner in partners if partner.pk in set(routed_to)] or partners
    picked = gtin14_or_none(selected_gtin14)
    result, view = _looked_up(picked or gtin14, partners, refresh)
    if picked not in (None, gtin14) and (view is None or view.variant(gtin14) is None):
        # Not a variant of this item (a link made by hand): the page shows its own item.
        result, view = _looked_up(gtin14, partners, refresh)
    gtins = {gtin14} | {
        gtin14_or_none(variant.gtin) for variant in (view.variants if view else ()) if variant.gtin
    }
    pricing = offer_pricing_for(store, (gtin for gtin in gtins if gtin))
    entry = pricing.facts.entry(gtin14)
    today = timezone.localdate()
    variants = tuple(
        _variant_choice(variant, pricing, shows_costs, result.quantity, today)
        for variant in (view.variants if view else ())
    )
    selected = _selected(variants, selected_gtin14 or gtin14)
    answered = [outcome for outcome in result.outcomes if outcome.answered]
    return ProductPage(
        gtin14=gtin14,
        found=view is not None,
        name=_name(entry, view, gtin14),
        brand=(entry.brand if entry and entry.brand else None) or (view.brand if view else None),
        description=(entry.description if entry and entry.description else None)
        or (view.description if view else None),
        images=_images(entry, view),
        category=category_key(
            (entry.category if entry and entry.category else None)
            or (view.category if view else None)
        )
        or None,
        sources=tuple(
            (partner, product.partner_product_id)
            for partner, product in (view.products if view else ())
        ),
        variants=variants,
        selected=selected,
        sizes=_picker(variants, selected, SIZE),
        colours=_picker(variants, selected, COLOUR),
        not_answering=tuple(_note(outcome) for outcome in result.not_answering),
        not_carried=tuple(outcome.partner.name for outcome in result.not_carried),
        asked=len(result.outcomes),
        availability_age=max((outcome.age for outcome in answered if outcome.age), default=None),
        shows_costs=shows_costs,
    )


def _looked_up(
    code: str, partners: Sequence[Partner], refresh: bool
) -> tuple[LookupResult, ProductView | None]:
    """Ask the partners for `code` (the variant picked, else the page's item): a partner that
    answers with availability alone speaks only of the code asked, so asking for the page's
    item would leave it out of every other variant's offers."""
    # With no live partner there is nobody to ask, and no lookup (nor its transaction check).
    result = (
        catalog_lookup(code=code, partners=partners, refresh=refresh)
        if partners
        else LookupResult(code=code, gtin14=code, quantity=1, outcomes=(), views=())
    )
    return result, next((view for view in result.views if view.variant(code) is not None), None)


def _variant_choice(
    variant: VariantView, pricing: OfferPricing, shows_costs: bool, quantity: int, today: date
) -> VariantChoice:
    gtin14 = gtin14_or_none(variant.gtin)
    priced = pricing.ranked(variant.offers, gtin14=gtin14 or "", quantity=quantity, today=today)
    attributes = {name.casefold(): value for name, value in variant.attributes.items()}
    return VariantChoice(
        gtin14=gtin14,
        size=attributes.pop(SIZE, None),
        colour=attributes.pop(COLOUR, None) or attributes.pop("color", None),
        other_attributes=tuple(sorted(attributes.items())),
        offers=tuple(_priced_offer(offer, price, shows_costs, quantity) for offer, price in priced),
    )


def _priced_offer(
    offer: VariantOffer, price: OfferPrice, shows_costs: bool, quantity: int
) -> PricedOffer:
    return PricedOffer(
        partner_name=offer.partner.name,
        partner_slug=offer.partner.slug,
        amount=price.amount if price.sellable else None,
        currency=price.currency,
        sellable=price.sellable,
        reason=price.reason,
        stock=offer.stock(quantity),
        available_quantity=offer.available_quantity,
        delivery_days=offer.delivery_days,
        delivery_date=offer.delivery_date,
        costs=Costs(price.cost, price.margin, price.margin_percent) if shows_costs else None,
    )


def _selected(variants: Sequence[VariantChoice], gtin14: str) -> VariantChoice | None:
    wanted = gtin14_or_none(gtin14)
    return next((variant for variant in variants if variant.gtin14 == wanted), None) or next(
        iter(variants), None
    )


def _picker(
    variants: Sequence[VariantChoice], selected: VariantChoice | None, attribute: str
) -> tuple[PickerOption, ...]:
    """One option per value of `attribute`, in the partners' order. Each leads to the variant
    with that value and the selected variant's other attribute, else the first with the value."""
    other = COLOUR if attribute == SIZE else SIZE
    keep = getattr(selected, other) if selected else None
    options: dict[str, VariantChoice] = {}
    for variant in variants:
        value = getattr(variant, attribute)
        if value is None or variant.gtin14 is None:
            continue
        current = options.get(value)
        if current is None or (getattr(current, other) != keep and getattr(variant, other) == keep):
            options[value] = variant
    if len(options) < 2 and not (selected and getattr(selected, attribute)):
        return ()
    return tuple(
        PickerOption(
            value=value,
            gtin14=variant.gtin14 or "",
            available=variant.available,
            selected=selected is not None and getattr(selected, attribute) == value,
        )
        for value, variant in options.items()
    )


def _name(entry: CatalogueEntry | None, view: ProductView | None, gtin14: str) -> str:
    if entry is not None and entry.name:
        return entry.name
    if view is not None and view.name:
        return view.name
    return f"Item {gtin14}"


def _images(entry: CatalogueEntry | None, view: ProductView | None) -> tuple[str, ...]:
    images = list(entry.images if entry else ())
    images += [image for image in (view.images if view else ()) if image not in images]
    return tuple(images)


def _note(outcome: PartnerOutcome) -> PartnerNote:
    return PartnerNote(name=outcome.partner.name, reason=outcome.reason)
