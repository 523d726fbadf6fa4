"""Similar items on the product page: a partner's `similar` operation first, else the
catalogue's products of the same category within a price band of the item's price."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.product_view import product_page
from catalog.selectors import SIMILAR_PRICE_BAND, catalogue_similar
from partners.models import PartnerCall
from stores.roles import Role
from tests.catalog.conftest import gtin_carried_by, partner_calls
from tests.factories import MasterProductFactory, ProductGtinFactory, RetailPriceFactory

SIMILAR_LINK = re.compile(r'<li><a href="/product/(\d{14})/">')


def listed(name: str, category: str, prices: dict[str, str], gtin: str | None) -> None:
    product = MasterProductFactory(name=name, category=category)
    for currency, amount in prices.items():
        RetailPriceFactory(product=product, currency=currency, amount=Decimal(amount))
    if gtin:
        ProductGtinFactory(product=product, gtin=gtin)


@pytest.mark.django_db
def test_the_catalogue_suggests_its_category_within_the_band_closest_first(
    django_assert_num_queries,
):
    assert Decimal("0.30") == SIMILAR_PRICE_BAND  # the band the figures below are made for
    listed("Itself", "knitwear", {"GBP": "100.00"}, "05000000000011")
    listed("Near", "knitwear", {"GBP": "95.00"}, "05000000000028")
    listed("Low edge", "knitwear", {"GBP": "70.00"}, "05000000000035")
    listed("High edge", "knitwear", {"GBP": "130.00"}, "05000000000042")
    listed("Too cheap", "knitwear", {"GBP": "69.99"}, "05000000000059")
    listed("Too dear", "knitwear", {"GBP": "130.01"}, "05000000000066")
    listed("Other category", "footwear", {"GBP": "100.00"}, "05000000000073")
    listed("Euro only", "knitwear", {"EUR": "100.00"}, "05000000000080")
    listed("No barcode", "knitwear", {"GBP": "100.00"}, None)

    with django_assert_num_queries(1):
        found = catalogue_similar(
            category=" Knitwear ",
            price=Decimal("100.00"),
            currency="GBP",
            exclude_gtin14s=["05000000000011"],
        )

    assert [(item.name, item.gtin14, item.price) for item in found] == [
        ("Near", "05000000000028", Decimal("95.00")),
        ("High edge", "05000000000042", Decimal("130.00")),
        ("Low edge", "05000000000035", Decimal("70.00")),
    ]


@pytest.mark.django_db
def test_the_catalogue_suggests_nothing_without_a_category():
    listed("Anything", "", {"GBP": "100.00"}, "05000000000028")

    assert catalogue_similar(category="", price=Decimal("100.00"), currency="GBP") == []


def similar_of(client, gtin14: str, htmx: bool = True) -> str:
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(reverse("catalog:similar", args=[gtin14]), headers=headers)
    assert response.status_code == 200
    return response.content.decode()


@partner_calls
def test_the_first_partner_with_similar_items_suggests_them(client, user_in_role, priced, sandbox):
    gtin = gtin_carried_by(sandbox, "threadline").zfill(14)
    offer, _ = sandbox.threadline.catalog.by_gtin(gtin[1:])
    client.force_login(user_in_role(Role.KIOSK))

    html = similar_of(client, gtin)

    assert html.startswith('<section id="similar"')  # htmx gets the list only
    expected = [
        item.variants[0].variant.gtin.zfill(14)
        for item in sandbox.threadline.catalog.similar(offer)
    ]
    assert SIMILAR_LINK.findall(html) == [gtin14 for gtin14 in expected if gtin14 != gtin]
    assert "Suggested by Threadline." in html
    assert PartnerCall.objects.filter(operation="similar").count() == 1


@partner_calls
def test_without_partner_suggestions_the_catalogue_s_come_in_the_price_band(
    client, user_in_role, priced, sandbox, store
):
    gtin = gtin_carried_by(sandbox, "threadline").zfill(14)
    for partner in sandbox:
        partner.faults_set("5xx", operations=["similar"])
    page = product_page(gtin14=gtin, store=store, shows_costs=False)
    price = page.selected.lowest_price
    listed("Close in price", page.category, {store.currency: str(price + 1)}, "05000000000028")
    listed("Far in price", page.category, {store.currency: str(price * 2)}, "05000000000035")
    client.force_login(user_in_role(Role.ASSOCIATE))

    html = similar_of(client, gtin, htmx=False)

    assert "<html" in html  # without htmx, a page of its own
    links = SIMILAR_LINK.findall(html)
    assert "05000000000028" in links
    assert "05000000000035" not in links
    assert gtin not in links
    assert "From our catalogue: same category, similar price." in html


@partner_calls
def test_the_product_page_loads_similar_items_after_it_shows(client, user_in_role, priced, sandbox):
    gtin = gtin_carried_by(sandbox, "threadline").zfill(14)
    client.force_login(user_in_role(Role.ASSOCIATE))

    html = client.get(reverse("catalog:product", args=[gtin])).content.decode()

    url = reverse("catalog:similar", args=[gtin])
    assert f'hx-get="{url}" hx-trigger="load"' in html
    assert f'<a href="{url}" data-testid="similar-link">' in html  # the page without htmx
    assert PartnerCall.objects.filter(operation="similar").count() == 0
