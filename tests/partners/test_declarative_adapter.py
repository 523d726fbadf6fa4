"""The sandbox partners, onboarded only from their configuration files, answer every operation
in our canonical shapes through the declarative adapter, over real HTTP."""

from decimal import Decimal

import pytest

from partners.adapters.registry import adapter_for
from partners.mapping import Address, Contact, OrderLine, OrderRequest
from partners.models import PartnerCall
from partners.sandbox.catalog import catalog_default
from tests.partners.sandbox.picks import UNKNOWN_GTIN, in_stock

# The partners with a product range; Baywater answers availability only (test_partner_shapes.py)
# but takes orders like the others.
SLUGS = ["threadline", "stridewell", "hearth"]
ORDER_SLUGS = [*SLUGS, "baywater"]


def shared_gtin(sandbox) -> str:
    """A barcode the three range partners carry."""
    return next(
        variant.gtin
        for product in catalog_default().products
        for variant in product.variants
        if all(sandbox.by_name(slug).catalog.by_gtin(variant.gtin) for slug in SLUGS)
    )


def order_for(
    sku: str, reference: str = "EA-1001", quantity: int = 1, *, gtin: str | None = None
) -> OrderRequest:
    return OrderRequest(
        reference=reference,
        idempotency_key=f"{reference}-key",
        lines=(
            OrderLine(
                partner_sku=sku,
                gtin=gtin,
                quantity=quantity,
                unit_cost=Decimal("10.00"),
                currency="GBP",
            ),
        ),
        ship_to=Address(
            name="Ada Lovelace", line1="1 St James's Square", city="London",
            postal_code="SW1Y 4JU", country="GB",
        ),
        customer=Contact(name="Ada Lovelace", email="ada@example.com"),
    )  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("slug", SLUGS)
def test_lookup_returns_the_whole_product_with_every_variant(onboarded, sandbox, slug):
    gtin = shared_gtin(sandbox)
    offer, scanned = sandbox.by_name(slug).catalog.by_gtin(gtin)

    product = adapter_for(onboarded[slug]).lookup(gtin)

    assert product.partner_product_id == offer.product_number
    assert product.name == offer.product.name
    assert product.brand == offer.product.brand
    assert product.category == offer.product.category.value
    assert [variant.partner_sku for variant in product.variants] == [
        item.sku for item in offer.variants
    ]
    matched = next(v for v in product.variants if v.gtin == gtin)
    assert matched.partner_sku == scanned.sku
    assert matched.available_quantity == scanned.stock
    assert matched.attributes == {
        "size": scanned.variant.size.label, "colour": scanned.variant.colour.name
    }  # fmt: skip
    assert (matched.cost, matched.msrp, matched.currency) == (offer.cost, offer.rrp, "GBP")
    assert matched.delivery_days == offer.lead_time_days
    assert product.images and all(url.startswith("http://127.0.0.1:") for url in product.images)
    assert list(
        PartnerCall.objects.filter(partner=onboarded[slug])
        .exclude(operation="oauth_token")
        .values_list("operation", "outcome")
    ) == [("lookup", "ok")]


@pytest.mark.django_db
@pytest.mark.parametrize("slug", SLUGS)
def test_a_barcode_the_partner_does_not_carry_is_none_not_an_error(onboarded, slug):
    product = adapter_for(onboarded[slug]).lookup(UNKNOWN_GTIN)

    assert product is None
    assert list(
        PartnerCall.objects.filter(partner=onboarded[slug])
        .exclude(operation="oauth_token")
        .values_list("status_code", "outcome")
    ) == [(404, "not_found")]


@pytest.mark.django_db
@pytest.mark.parametrize("slug", SLUGS)
def test_search_by_name_finds_products(onboarded, sandbox, slug):
    expected = [offer.product_number for offer in sandbox.by_name(slug).catalog.search("boot")]

    page = adapter_for(onboarded[slug]).search("boot")

    assert expected
    assert [product.partner_product_id for product in page.products] == expected[
        : len(page.products)
    ]
    assert all(product.variants for product in page.products)


@pytest.mark.django_db
@pytest.mark.parametrize("slug", SLUGS)
def test_similar_items_come_from_the_same_partner(onboarded, sandbox, slug):
    partner = sandbox.by_name(slug)
    offer = partner.catalog.offers[0]

    similar = adapter_for(onboarded[slug]).similar(offer.product_number)

    assert [product.partner_product_id for product in similar] == [
        other.product_number for other in partner.catalog.similar(offer)
    ]


def line_outcomes(lines) -> list[tuple[str, bool]]:
    """(item, accepted) per confirmed line; Baywater names its items by GTIN only."""
    return [(line.partner_sku or line.gtin, line.accepted) for line in lines]


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ORDER_SLUGS)
def test_an_order_is_placed_once_and_a_repeat_gets_the_original(onboarded, sandbox, slug):
    partner = sandbox.by_name(slug)
    _, item = in_stock(partner)
    adapter = adapter_for(onboarded[slug])

    first = adapter.place_order(order_for(item.sku, gtin=item.variant.gtin))
    repeat = adapter.place_order(order_for(item.sku, gtin=item.variant.gtin))

    assert first.status == "accepted"
    assert first.duplicate is False
    assert line_outcomes(first.lines) == [(item.sku, True)]
    assert repeat.partner_order_id == first.partner_order_id
    assert repeat.duplicate is True
    assert partner.counters().orders_created == 1


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ORDER_SLUGS)
def test_order_status_follows_the_partner_to_shipped_and_cancel_is_refused_after(
    onboarded, sandbox, slug
):
    partner = sandbox.by_name(slug)
    _, item = in_stock(partner)
    adapter = adapter_for(onboarded[slug])
    placed = adapter.place_order(order_for(item.sku, gtin=item.variant.gtin))

    accepted = adapter.order_status(placed.partner_order_id)
    partner.order_advance(placed.partner_order_id, "shipped")
    shipped = adapter.order_status(placed.partner_order_id)

    assert accepted.status == "accepted"
    assert accepted.tracking_number is None
    assert shipped.status == "shipped"
    assert shipped.carrier
    assert shipped.tracking_number
    assert shipped.tracking_url.startswith(partner.base_url)


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ORDER_SLUGS)
def test_an_accepted_order_can_be_cancelled(onboarded, sandbox, slug):
    partner = sandbox.by_name(slug)
    _, item = in_stock(partner)
    adapter = adapter_for(onboarded[slug])
    placed = adapter.place_order(order_for(item.sku, gtin=item.variant.gtin))

    cancelled = adapter.cancel_order(placed.partner_order_id)

    assert cancelled.partner_order_id == placed.partner_order_id
    assert cancelled.status == "cancelled"


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ORDER_SLUGS)
def test_a_rejected_line_comes_back_with_its_reason(onboarded, sandbox, slug):
    partner = sandbox.by_name(slug)
    _, item = in_stock(partner)
    partner.faults_set("reject-line", count=1)

    confirmation = adapter_for(onboarded[slug]).place_order(
        order_for(item.sku, gtin=item.variant.gtin)
    )

    assert confirmation.status == "rejected"
    assert line_outcomes(confirmation.lines) == [(item.sku, False)]
    assert confirmation.lines[0].reason
