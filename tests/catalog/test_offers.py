"""Merging partners' answers into product views and ranking each item's offers: availability,
then delivery time, then partner priority, then selling price."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from catalog.fanout import OutcomeStatus, PartnerOutcome
from catalog.offers import (
    IMAGES_MAX,
    PartnerItem,
    Stock,
    VariantOffer,
    product_views,
)
from partners.mapping import Availability, Product, Variant
from partners.models import Partner
from tests.catalog.conftest import price_doubled

TODAY = date(2026, 12, 1)
AT = datetime(2026, 12, 1, 10, 0)
# GTIN-13s with right check digits.
G1, G2, G3, G4 = "4006381333931", "5012345678900", "4000000000006", "9780201379624"


def partner(slug: str, priority: int, pk: int | None = None) -> Partner:
    return Partner(pk=pk or priority, slug=slug, name=slug.title(), priority=priority)


ALPHA, BRAVO, CHARLIE = partner("alpha", 10), partner("bravo", 20), partner("charlie", 30)


def variant(gtin=G1, *, quantity=5, days=2, cost="10.00", sku=None, **attributes) -> Variant:
    return Variant(
        partner_sku=sku,
        gtin=gtin,
        attributes=attributes,
        cost=None if cost is None else Decimal(cost),
        currency="GBP",
        available_quantity=quantity,
        delivery_days=days,
    )


def product(*variants: Variant, pid="P1", **fields) -> Product:
    return Product(partner_product_id=pid, variants=variants, **fields)


def views(*items: PartnerItem, quantity=1, selling_price=price_doubled):
    return product_views(items, quantity=quantity, selling_price=selling_price, today=TODAY)


def item(who: Partner, what, gtin=None) -> PartnerItem:
    return PartnerItem(who, what, AT, gtin=gtin)


def ranked(*items: PartnerItem, quantity=1, selling_price=price_doubled) -> list[str]:
    [view] = views(*items, quantity=quantity, selling_price=selling_price)
    return [offer.partner.slug for offer in view.variant(G1).offers]


# Each row: two offers of one item, the winner first. Every earlier criterion beats every
# later one, so the loser is better on all the later criteria.
RANKING = [
    pytest.param(
        item(CHARLIE, product(variant(quantity=2, days=9, cost="50"))),
        item(ALPHA, product(variant(quantity=1, days=1, cost="1"))),
        id="enough-stock-beats-faster-higher-priority-and-cheaper",
    ),
    pytest.param(
        item(CHARLIE, product(variant(quantity=None, days=9, cost="50"))),
        item(ALPHA, product(variant(quantity=1, days=1, cost="1"))),
        id="unknown-stock-beats-too-little",
    ),
    pytest.param(
        item(CHARLIE, product(variant(quantity=1, days=9, cost="50"))),
        item(ALPHA, product(variant(quantity=0, days=1, cost="1"))),
        id="too-little-beats-none",
    ),
    pytest.param(
        item(CHARLIE, Availability(available=True), gtin=G1),
        item(ALPHA, product(variant(quantity=None, days=1, cost="1"))),
        id="available-for-the-quantity-asked-beats-unknown",
    ),
    pytest.param(
        item(CHARLIE, product(variant(quantity=0, days=9, cost="50"))),
        item(ALPHA, Availability(available=False), gtin=G1),
        id="unavailable-answers-rank-with-none-then-by-delivery",
    ),
    pytest.param(
        item(CHARLIE, product(variant(days=1, cost="50"))),
        item(ALPHA, product(variant(days=2, cost="1"))),
        id="faster-beats-higher-priority-and-cheaper",
    ),
    pytest.param(
        item(CHARLIE, Availability(available=True, delivery_date=date(2026, 12, 3)), gtin=G1),
        item(ALPHA, product(variant(days=3, cost="1"))),
        id="a-delivery-date-counts-from-today",
    ),
    pytest.param(
        item(CHARLIE, product(variant(days=30, cost="50"))),
        item(ALPHA, product(variant(days=None, cost="1"))),
        id="unknown-delivery-comes-last",
    ),
    pytest.param(
        item(ALPHA, product(variant(cost="50"))),
        item(BRAVO, product(variant(cost="1"))),
        id="priority-beats-price",
    ),
    pytest.param(
        item(partner("zulu", 10, pk=9), product(variant(cost="9.99"))),
        item(ALPHA, product(variant(cost="10.00"))),
        id="cheaper-wins-at-equal-priority",
    ),
    pytest.param(
        item(partner("zulu", 10, pk=9), product(variant(cost="10.00"))),
        item(ALPHA, product(variant(cost=None))),
        id="no-price-comes-last",
    ),
    pytest.param(
        item(ALPHA, product(variant(cost="10.00"))),
        item(partner("zulu", 10, pk=9), product(variant(cost="10.00"))),
        id="ties-by-slug",
    ),
]


@pytest.mark.parametrize(("winner", "loser"), RANKING)
def test_ranking(winner, loser):
    assert ranked(loser, winner, quantity=2) == [winner.partner.slug, loser.partner.slug]
    assert ranked(winner, loser, quantity=2) == [winner.partner.slug, loser.partner.slug]


def test_the_selling_price_is_the_one_passed_in_and_is_on_each_offer():
    prices = {"alpha": Decimal("30"), "bravo": Decimal("20")}

    [view] = views(
        item(ALPHA, product(variant())),
        item(partner("bravo", 10, pk=2), product(variant())),
        selling_price=lambda offer: prices[offer.partner.slug],
    )

    assert [(o.partner.slug, o.selling_price) for o in view.variant(G1).offers] == [
        ("bravo", Decimal("20")),
        ("alpha", Decimal("30")),
    ]


@pytest.mark.parametrize(
    ("offer", "quantity", "stock"),
    [
        (VariantOffer(ALPHA, AT, G1, available_quantity=3), 3, Stock.ENOUGH),
        (VariantOffer(ALPHA, AT, G1, available_quantity=2), 3, Stock.SHORT),
        (VariantOffer(ALPHA, AT, G1, available_quantity=0), 1, Stock.NONE),
        (VariantOffer(ALPHA, AT, G1), 1, Stock.UNKNOWN),
        (VariantOffer(ALPHA, AT, G1, available=True), 5, Stock.ENOUGH),
        (VariantOffer(ALPHA, AT, G1, available=True, available_quantity=2), 5, Stock.SHORT),
        (VariantOffer(ALPHA, AT, G1, available=False, available_quantity=9), 1, Stock.NONE),
    ],
)
def test_stock_against_the_quantity_asked(offer, quantity, stock):
    assert offer.stock(quantity) == stock


def test_products_sharing_a_gtin_are_one_view_and_variants_merge_by_gtin():
    alpha = product(variant(G1, size="M"), variant(G2, size="L"), pid="A-1", name="Alpha tee")
    bravo = product(variant(G2, size="L"), variant(G3, size="XL"), pid="B-1", name="Bravo tee")
    unrelated = product(variant(G4), pid="C-9", name="Mug")

    result = views(item(ALPHA, alpha), item(CHARLIE, unrelated), item(BRAVO, bravo))

    assert [view.name for view in result] == ["Alpha tee", "Mug"]
    tee = result[0]
    assert [v.gtin for v in tee.variants] == [G1, G2, G3]
    assert [[o.partner.slug for o in v.offers] for v in tee.variants] == [
        ["alpha"],
        ["alpha", "bravo"],
        ["bravo"],
    ]
    assert [(p.slug, prod.partner_product_id) for p, prod in tee.products] == [
        ("alpha", "A-1"),
        ("bravo", "B-1"),
    ]


def test_spellings_of_one_gtin_are_one_variant():
    upc_a, ean = "012345678905", "0012345678905"

    [view] = views(item(ALPHA, product(variant(upc_a))), item(BRAVO, product(variant(ean))))

    [merged] = view.variants
    assert [offer.gtin for offer in merged.offers] == [upc_a, ean]
    assert view.variant("00012345678905") is merged


def test_a_variant_without_gtin_joins_the_one_with_equal_attributes():
    alpha = product(variant(G1, size="M", colour="Navy"), variant(G2, size="L", colour="Navy"))
    bravo = product(
        variant(G1, size="M", colour="Navy"),
        variant(None, sku="B-L", size=" l ", colour="NAVY"),
        variant(None, sku="B-XL", size="XL", colour="Navy"),
    )

    [view] = views(item(ALPHA, alpha), item(BRAVO, bravo))

    assert [
        (v.gtin, sorted((o.partner.slug, o.partner_sku) for o in v.offers)) for v in view.variants
    ] == [
        (G1, [("alpha", None), ("bravo", None)]),
        (G2, [("alpha", None), ("bravo", "B-L")]),
        (None, [("bravo", "B-XL")]),
    ]


def test_a_variant_without_gtin_matching_two_stays_apart():
    alpha = product(variant(G1, size="M"), variant(G2, size="M"))
    bravo = product(variant(G1, size="M"), variant(None, sku="B-M2", size="M"))

    [view] = views(item(ALPHA, alpha), item(BRAVO, bravo))

    assert [(v.gtin, len(v.offers)) for v in view.variants] == [(G1, 2), (G2, 1), (None, 1)]


def test_variants_without_gtin_or_attributes_stay_apart():
    [view] = views(
        item(ALPHA, product(variant(None, sku="A1"), variant(None, sku="A2"), variant(G1)))
    )

    assert [(v.gtin, v.best.partner_sku) for v in view.variants] == [
        (None, "A1"),
        (None, "A2"),
        (G1, None),
    ]


def test_an_availability_answer_is_an_offer_of_the_code_asked():
    [view] = views(
        item(BRAVO, product(variant(G1, size="M"), variant(G2, size="L"), name="Tee")),
        item(ALPHA, Availability(available=True, partner_sku="W-1", delivery_days=1), gtin=G2),
    )

    assert view.name == "Tee"
    assert [o.partner.slug for o in view.variant(G2).offers] == ["alpha", "bravo"]
    wholesale = view.variant(G2).best
    assert (wholesale.partner_sku, wholesale.cost, wholesale.product) == ("W-1", None, None)
    assert wholesale.selling_price is None  # no cost: pricing has the catalogue's for it


def test_an_availability_answer_alone_is_a_view_without_name():
    [view] = views(item(ALPHA, Availability(available=True), gtin=G1))

    assert (view.name, view.products, [v.gtin for v in view.variants]) == (None, (), [G1])


def test_product_fields_come_from_the_first_partner_by_priority_that_sends_them():
    first = product(variant(G1), name=None, brand="Alpha brand", images=("a1", "shared"))
    second = product(
        variant(G1),
        name="Bravo name",
        brand="Bravo brand",
        category="apparel",
        images=("shared", "b1"),
    )

    [view] = views(item(BRAVO, second), item(ALPHA, first))

    assert (view.name, view.brand, view.category) == ("Bravo name", "Alpha brand", "apparel")
    assert view.images == ("a1", "shared", "b1")


def test_images_are_bounded():
    many = tuple(f"https://img.example/{n}.jpg" for n in range(IMAGES_MAX + 5))

    [view] = views(item(ALPHA, product(variant(), images=many)))

    assert view.images == many[:IMAGES_MAX]


def test_views_offers_and_outcomes_printed_show_no_partner_cost():
    # A template, log line or error report printing them must not show what the partner charges.
    answer = product(variant(cost="12.34"))
    [view] = views(item(ALPHA, answer))
    outcome = PartnerOutcome(ALPHA, OutcomeStatus.ANSWERED, answer=answer)

    printed = f"{view!r} {view.variant(G1).best} {outcome!r}"

    assert "selling_price=Decimal('24.68')" in printed
    assert "12.34" not in printed and "cost" not in printed
