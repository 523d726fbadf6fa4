"""The product page against the sandbox partners over HTTP: offers from every partner that
carries the item at the store's prices, a failing partner beside the others, costs only for
those who may see them, the cache and its refresh, and a fixed number of queries."""

import re

import pytest
from django.urls import reverse

from partners.models import Partner, PartnerCall
from partners.sandbox.catalog import PartnerName
from partners.services import partner_status_change
from stores.roles import Role
from tests.catalog.conftest import CALL_LOG_QUERIES, gtin_carried_by, page_of, partner_calls

pytestmark = partner_calls

ALL = (PartnerName.THREADLINE, PartnerName.STRIDEWELL, PartnerName.HEARTH, PartnerName.BAYWATER)
PRICE = re.compile(r'data-testid="price">GBP (\d+\.\d\d)<')


def offered_by(html: str) -> list[str]:
    return re.findall(r'data-testid="offer-([a-z-]+)"', html)


def login(client, user_in_role, role):
    client.force_login(user_in_role(role))
    return client


def test_every_partner_carrying_the_item_offers_it_at_the_store_s_price(
    client, user_in_role, priced, sandbox
):
    gtin = gtin_carried_by(sandbox, *ALL)
    login(client, user_in_role, Role.ASSOCIATE)

    html = page_of(client, gtin)

    assert sorted(offered_by(html)) == sorted(ALL)
    assert f'data-gtin="{gtin.zfill(14)}"' in html
    assert len(PRICE.findall(html)) >= 1
    assert "not answering right now" not in html
    assert "Availability as of just now." in html
    assert "Add to cart" in html


@pytest.mark.parametrize(("role", "told_why"), [(Role.ASSOCIATE, True), (Role.KIOSK, False)])
def test_a_failing_partner_is_not_answering_and_the_others_still_show(
    client, user_in_role, priced, sandbox, role, told_why
):
    """Staff are told why the partner is not answering; a customer at the kiosk only that
    it is not (the reason is about our set-up, not the item)."""
    gtin = gtin_carried_by(sandbox, *ALL)
    sandbox.hearth.faults_set("5xx", operations=["lookup_code"])
    login(client, user_in_role, role)

    html = page_of(client, gtin)

    assert sorted(offered_by(html)) == ["baywater", "stridewell", "threadline"]
    assert "is not answering right now." in html
    assert ("The partner failed to answer (HTTP 503)." in html) is told_why
    assert "Not carried by" not in html  # a failing partner is never "not carried"


def test_an_item_nobody_carries_says_so_and_names_who_was_asked(client, user_in_role, priced):
    login(client, user_in_role, Role.ASSOCIATE)

    html = page_of(client, "4006381333931")

    assert "No partner carries this right now." in html
    assert offered_by(html) == []
    assert "Not carried by Threadline" in html


@pytest.mark.parametrize("role", [Role.ASSOCIATE, Role.KIOSK])
def test_cost_and_margin_never_reach_associates_or_kiosks(
    client, user_in_role, priced, sandbox, role
):
    gtin = gtin_carried_by(sandbox, *ALL)
    login(client, user_in_role, role)

    html = page_of(client, gtin)

    assert offered_by(html)
    assert 'data-testid="costs"' not in html
    assert "margin" not in html.lower()
    assert "Cost " not in html


def test_managers_see_cost_and_margin(client, user_in_role, priced, sandbox):
    gtin = gtin_carried_by(sandbox, *ALL)
    login(client, user_in_role, Role.MANAGER)

    html = page_of(client, gtin)

    assert html.count('data-testid="costs"') == len(ALL)
    assert "margin" in html
    # htmx keeps no copy of a page with costs in the tablet's localStorage, where Back would
    # show it to whoever uses the tablet next.
    assert 'hx-history="false"' in html


def test_a_page_with_costs_is_not_kept_in_the_browser_s_cache(
    client, user_in_role, priced, sandbox
):
    """A shared tablet: Back after a manager logged out must not show the costs again."""
    gtin = gtin_carried_by(sandbox, *ALL)
    url = reverse("catalog:product", args=[gtin.zfill(14)])

    response = login(client, user_in_role, Role.MANAGER).get(url)

    assert response.status_code == 200
    assert 'data-testid="costs"' in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_answers_come_from_the_cache_until_refresh(client, user_in_role, priced, sandbox):
    gtin = gtin_carried_by(sandbox, *ALL)
    login(client, user_in_role, Role.ASSOCIATE)
    page_of(client, gtin)
    calls = PartnerCall.objects.filter(operation="lookup").count()

    page_of(client, gtin)
    assert PartnerCall.objects.filter(operation="lookup").count() == calls  # nobody asked

    html = page_of(client, gtin, refresh="1")
    assert PartnerCall.objects.filter(operation="lookup").count() == calls + len(ALL)
    assert sorted(offered_by(html)) == sorted(ALL)


def test_size_and_colour_pickers_lead_to_each_variant_with_its_offers(
    client, user_in_role, priced, sandbox
):
    gtin = gtin_carried_by(sandbox, *ALL)
    login(client, user_in_role, Role.ASSOCIATE)
    html = page_of(client, gtin)
    options = re.findall(r'href="\?variant=(\d{14})"', html)
    assert options  # a sandbox product has several sizes or colours
    other = next(option for option in options if option != gtin.zfill(14))

    picked = client.get(
        reverse("catalog:product", args=[gtin.zfill(14)]),
        {"variant": other},
        headers={"HX-Request": "true"},
    ).content.decode()

    assert f'data-gtin="{other}"' in picked
    assert "<html" not in picked  # htmx gets the page's main part only
    assert picked.startswith('<div id="product-main"')


def test_the_page_takes_the_same_queries_however_many_partners(
    client, user_in_role, priced, sandbox, django_assert_max_num_queries
):
    gtin = gtin_carried_by(sandbox, *ALL)
    login(client, user_in_role, Role.ASSOCIATE)
    for slug in ("hearth", "baywater", "stridewell"):
        partner_status_change(partner=priced[slug], status=Partner.Status.PAUSED)
    with django_assert_max_num_queries(QUERIES) as one:
        assert offered_by(page_of(client, gtin)) == ["threadline"]
    for slug in ("hearth", "baywater", "stridewell"):
        partner_status_change(partner=priced[slug], status=Partner.Status.LIVE)

    with django_assert_max_num_queries(QUERIES) as four:
        assert sorted(offered_by(page_of(client, gtin))) == sorted(ALL)

    assert len(four.captured_queries) == len(one.captured_queries), [
        q["sql"][:90] for q in four.captured_queries
    ]


# Of these, one counts the lines of the associate's cart for the nav's "Cart (n)".
QUERIES = 15 + CALL_LOG_QUERIES


def test_a_gtin_with_a_wrong_check_digit_is_not_found(client, user_in_role, priced):
    login(client, user_in_role, Role.ASSOCIATE)

    response = client.get(reverse("catalog:product", args=["04006381333932"]))

    assert response.status_code == 404
    assert PartnerCall.objects.count() == 0


def test_a_routing_value_that_is_no_partner_id_is_ignored(client, user_in_role, priced, sandbox):
    """A hand-made link: a number too long to be an id (Python refuses to read one of over
    4,300 digits) or not digits at all routes nowhere; every live partner is asked."""
    gtin = gtin_carried_by(sandbox, *ALL)
    login(client, user_in_role, Role.ASSOCIATE)

    html = page_of(client, gtin, partner=["9" * 5000, "x1", "-3"])

    assert sorted(offered_by(html)) == sorted(ALL)
    assert re.findall(r'name="partner" value="(\d+)"', html) == []  # routed nowhere


def test_htmx_restoring_history_gets_the_whole_page_and_answers_vary_by_header(
    client, user_in_role, priced, sandbox
):
    """Back after a variant was picked: htmx, missing the page in its history cache, asks
    with HX-Request and puts the answer in place of the whole body, so it needs the page with
    its layout. The browser's own cache must not hand a swap's fragment to a plain visit."""
    gtin = gtin_carried_by(sandbox, *ALL)
    login(client, user_in_role, Role.ASSOCIATE)
    url = reverse("catalog:product", args=[gtin.zfill(14)])

    restored = client.get(url, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    swapped = client.get(url, headers={"HX-Request": "true"})

    assert "<html" in restored.content.decode()
    assert 'class="topbar"' in restored.content.decode()
    assert swapped.content.decode().startswith('<div id="product-main"')
    for response in (restored, swapped):
        assert "HX-Request" in response["Vary"]
