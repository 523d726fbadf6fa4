"""Add to cart on the product page, against the sandbox partners over HTTP: the best offer's
button with a quantity bounded by availability, one button per other partner, the reason instead
of a button when nothing can be added, kiosks never see one, and the nav's "Cart (n)"."""

import re
from decimal import Decimal
from html import unescape

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.cart_services import LINE_QUANTITY_MAX
from catalog.models import CartLine, PricingRule
from partners.sandbox.catalog import PartnerName, catalog_default
from stores.roles import Role
from tests.catalog.conftest import gtin_carried_by, page_of, partner_calls

pytestmark = partner_calls

ALL = (PartnerName.THREADLINE, PartnerName.STRIDEWELL, PartnerName.HEARTH, PartnerName.BAYWATER)
ADD_FORM = re.compile(r'<form method="post" action="/cart/add/".*?</form>', re.S)


def add_forms(html: str) -> list[dict[str, str]]:
    """Each add-to-cart form's fields and button, in page order."""
    forms = []
    for form in ADD_FORM.findall(html):
        fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
        fields["max"] = re.search(r'name="quantity" value="1" min="1" max="(\d+)"', form)[1]
        fields["button"] = re.search(r'<button type="submit"[^>]*>([^<]+)</button>', form)[1]
        forms.append({name: unescape(value) for name, value in fields.items()})
    return forms


def stock_at(sandbox, partner: str, gtin: str) -> int:
    return sandbox.by_name(partner).catalog.by_gtin(gtin)[1].stock


def gtin_where(sandbox, wanted) -> str:
    """The first catalogue GTIN whose carriers' stocks ({partner: stock}) satisfy `wanted`."""
    for product in catalog_default().products:
        for variant in product.variants:
            stocks = {
                partner.name.value: found[1].stock
                for partner in sandbox
                if (found := partner.catalog.by_gtin(variant.gtin))
            }
            if stocks and wanted(stocks):
                return variant.gtin
    raise AssertionError("no such GTIN in the sandbox catalogue")


def two_stocked_by(sandbox, name: PartnerName) -> list[str]:
    return [
        item.variant.gtin
        for offer in sandbox.by_name(name).catalog.offers
        for item in offer.variants
        if item.stock >= 4
    ][:2]


def test_the_best_offer_has_add_to_cart_and_the_others_add_from_their_partner(
    client, user_in_role, priced, sandbox
):
    gtin = gtin_where(
        sandbox, lambda stocks: len(stocks) == 4 and all(4 <= s <= 40 for s in stocks.values())
    )
    client.force_login(user_in_role(Role.ASSOCIATE))

    html = page_of(client, gtin)

    forms = add_forms(html)
    assert len(forms) == 4
    best, *others = forms
    assert best["button"] == "Add to cart"
    assert best["partner"] == re.search(r'data-testid="offer-([a-z-]+)"', html)[1]
    assert sorted(form["button"] for form in others) == sorted(
        f"Add from {priced[form['partner']].name}" for form in others
    )
    assert {form["partner"] for form in forms} == set(ALL)
    for form in forms:
        assert form["gtin14"] == gtin.zfill(14)
        assert form["next"] == f"/product/{gtin.zfill(14)}/?variant={gtin.zfill(14)}"
        # Baywater answers with availability alone: the line's own bound applies.
        quantity = stock_at(sandbox, form["partner"], gtin)
        assert int(form["max"]) == (
            LINE_QUANTITY_MAX if form["partner"] == "baywater" else quantity
        )
    assert "price" not in "".join(ADD_FORM.findall(html)).replace('data-testid="price"', "")


def test_adding_from_the_page_puts_the_page_s_price_in_the_cart(
    client, user_in_role, priced, sandbox
):
    gtin = gtin_carried_by(sandbox, *ALL)
    client.force_login(user_in_role(Role.ASSOCIATE))
    html = page_of(client, gtin)
    best = add_forms(html)[0]
    shown = Decimal(re.search(r"from [^<]+ at GBP (\d+\.\d\d)</span>", html)[1])

    response = client.post(reverse("catalog:cart-add"), {**best, "quantity": "2"}, follow=True)

    [line] = CartLine.objects.all()
    assert (line.partner.slug, line.gtin14, line.quantity) == (best["partner"], gtin.zfill(14), 2)
    assert line.unit_price == shown
    assert response.redirect_chain[-1][0] == best["next"]
    assert 'data-testid="nav-cart"' in response.content.decode()
    assert ">Cart (1)</a>" in response.content.decode()


def test_an_item_out_of_stock_everywhere_has_no_button_and_says_why(
    client, user_in_role, priced, sandbox
):
    gtin = gtin_where(sandbox, lambda stocks: set(stocks.values()) == {0})
    client.force_login(user_in_role(Role.ASSOCIATE))

    html = page_of(client, gtin, variant=gtin.zfill(14))

    assert add_forms(html) == []
    assert re.search(r'data-testid="cannot-add">.*Out of stock at every partner\.</p>', html)


def test_an_offer_below_the_margin_floor_has_no_button_and_says_why(
    client, user_in_role, onboarded, sandbox
):
    PricingRule.objects.create(
        markup_percent=Decimal(0), margin_floor_percent=Decimal(30), rounding="exact"
    )
    gtin = gtin_where(sandbox, lambda stocks: all(s >= 4 for s in stocks.values()))
    client.force_login(user_in_role(Role.ASSOCIATE))

    html = page_of(client, gtin)

    assert add_forms(html) == []
    assert "Cannot be added</span> Not sellable: below margin floor." in html
    assert "Best offer" not in html  # nothing is best that cannot be sold


def test_kiosks_see_offers_but_no_add_to_cart_and_no_cart(client, user_in_role, priced, sandbox):
    gtin = gtin_carried_by(sandbox, *ALL)
    client.force_login(user_in_role(Role.KIOSK))

    html = page_of(client, gtin)

    assert 'data-testid="offer-' in html
    assert add_forms(html) == []
    assert "/cart/" not in html
    assert "Cannot be added" not in html
    assert 'data-testid="nav-cart"' not in html


def test_the_nav_counts_the_active_cart_s_lines_in_one_query(
    client, user_in_role, priced, sandbox, settings
):
    client.force_login(user_in_role(Role.ASSOCIATE))
    scan = reverse("catalog:scan")
    assert ">Cart (0)</a>" in client.get(scan).content.decode()
    for gtin in two_stocked_by(sandbox, PartnerName.THREADLINE):
        response = client.post(
            reverse("catalog:cart-add"),
            {"gtin14": gtin, "partner": "threadline", "quantity": "1"},
            follow=True,
        )
        [message] = response.context["messages"]
        assert str(message).startswith("Added 1 x ")
    assert CartLine.objects.count() == 2

    with CaptureQueriesContext(connection) as with_nav:
        html = client.get(scan).content.decode()
    settings.TEMPLATES = [
        {
            **engine,
            "OPTIONS": {
                **engine["OPTIONS"],
                "context_processors": [
                    name
                    for name in engine["OPTIONS"]["context_processors"]
                    if name != "catalog.context_processors.cart_nav"
                ],
            },
        }
        for engine in settings.TEMPLATES
    ]
    with CaptureQueriesContext(connection) as without_nav:
        assert "Cart (" not in client.get(scan).content.decode()

    assert ">Cart (2)</a>" in html
    assert len(with_nav) == len(without_nav) + 1
