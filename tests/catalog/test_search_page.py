"""The search page against the sandbox partners over HTTP: every partner's results merged at
the store's prices, linked to their product pages, paged, partners not answering apart, bad
input said on the page before any call, and a fixed number of queries."""

import re

import pytest
from django.urls import reverse

from catalog.search import QUERY_MAX_CHARS
from partners.models import Partner, PartnerCall
from partners.services import partner_status_change
from stores.roles import Role
from tests.catalog.conftest import CALL_LOG_QUERIES, partner_calls

pytestmark = partner_calls

RESULT_LINK = re.compile(r'href="/product/(\d{14})/" data-testid="result-link"')
OFFER_PRICE = re.compile(
    r'data-testid="offer-([a-z-]+)">\s*<div class="offer-price">\s*'
    r'<strong data-testid="price">GBP (\d+\.\d\d)<'
)
RESULT_PRICE = re.compile(r'data-testid="result-price">from GBP (\d+\.\d\d)<')


def search(client, **query) -> str:
    response = client.get(reverse("catalog:search"), query)
    assert response.status_code == 200
    return response.content.decode()


def searched_products(sandbox, text: str) -> set[str]:
    """The sandbox products (by number) that partners with a search operation find."""
    return {
        offer.product.number
        for partner in sandbox
        if partner.name != "baywater"  # no search operation
        for offer in partner.catalog.search(text)
    }


def product_of_gtin(sandbox, gtin14: str) -> str:
    return next(
        offer.product.number
        for partner in sandbox
        if (found := partner.catalog.by_gtin(gtin14.lstrip("0").zfill(13)))
        for offer in [found[0]]
    )


@pytest.mark.parametrize("role", [Role.ASSOCIATE, Role.KIOSK])
def test_every_product_found_is_listed_once_with_its_price_and_a_link(
    client, user_in_role, priced, sandbox, role
):
    client.force_login(user_in_role(role))

    html = search(client, q="jumper")

    links = RESULT_LINK.findall(html)
    assert sorted({product_of_gtin(sandbox, gtin) for gtin in links}) == sorted(
        searched_products(sandbox, "jumper")
    )
    assert len(links) == len(set(links))
    assert len(RESULT_PRICE.findall(html)) == len(links)
    assert "not answering right now" not in html
    assert 'data-testid="next-page"' not in html  # every partner answered in one page


def test_a_result_s_price_is_the_lowest_its_partners_offer_on_the_product_page(
    client, user_in_role, priced, sandbox
):
    client.force_login(user_in_role(Role.ASSOCIATE))
    html = search(client, q="merino jumper")
    gtin = RESULT_LINK.findall(html)[0]
    from_price = RESULT_PRICE.findall(html)[0]
    # Only partners with a search operation found it; the product page asks every partner.
    searched = {partner.name for partner in sandbox if partner.name != "baywater"}

    product = client.get(reverse("catalog:product", args=[gtin])).content.decode()
    variants = set(re.findall(r'href="\?variant=(\d{14})"', product)) | {gtin}
    prices = [
        price
        for variant in variants
        for slug, price in OFFER_PRICE.findall(
            client.get(
                reverse("catalog:product", args=[gtin]), {"variant": variant}
            ).content.decode()
        )
        if slug in searched
    ]
    assert from_price == min(prices, key=float)


@pytest.mark.parametrize("role", [Role.KIOSK, Role.ASSOCIATE, Role.MANAGER])
def test_results_never_show_costs_whoever_looks(client, user_in_role, priced, role):
    client.force_login(user_in_role(role))

    html = search(client, q="jumper")

    assert RESULT_PRICE.findall(html)
    assert "Cost " not in html
    assert "margin" not in html.lower()


@pytest.mark.parametrize(("role", "told_why"), [(Role.ASSOCIATE, True), (Role.KIOSK, False)])
def test_a_failing_partner_is_named_apart_and_the_others_still_show(
    client, user_in_role, priced, sandbox, role, told_why
):
    """Staff are told why the partner is not answering; a customer at the kiosk only that
    it is not (the reason is about our set-up, not the item)."""
    sandbox.hearth.faults_set("5xx", operations=["search"])
    client.force_login(user_in_role(role))

    html = search(client, q="jumper")

    assert "<strong>Hearth &amp; Home</strong> is not answering right now" in html
    assert ("The partner failed to answer (HTTP 503)." in html) is told_why
    shown = {product_of_gtin(sandbox, gtin) for gtin in RESULT_LINK.findall(html)}
    others = {
        offer.product.number
        for partner in (sandbox.threadline, sandbox.stridewell)
        for offer in partner.catalog.search("jumper")
    }
    assert shown == others


def test_the_next_page_link_leads_through_every_partner_s_pages(
    client, user_in_role, priced, sandbox
):
    client.force_login(user_in_role(Role.ASSOCIATE))
    pages = [search(client, q="trainer")]
    while match := re.search(r'href="\?([^"]+)" rel="next"', pages[-1]):
        pages.append(
            client.get(
                reverse("catalog:search") + "?" + match[1].replace("&amp;", "&")
            ).content.decode()
        )

    assert len(pages) == 4  # Stridewell pages its trainers 60 at a time (tests/catalog/test_search)
    shown = {product_of_gtin(sandbox, gtin) for page in pages for gtin in RESULT_LINK.findall(page)}
    assert shown == searched_products(sandbox, "trainer")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("x" * (QUERY_MAX_CHARS + 1), f"A search has at most {QUERY_MAX_CHARS} characters."),
        ("jumper&after=forged", None),
    ],
)
def test_bad_input_is_said_on_the_page_and_nobody_is_asked(
    client, user_in_role, priced, query, message
):
    client.force_login(user_in_role(Role.KIOSK))
    if message is None:  # a page link we did not make
        html = search(client, q="jumper", after="forged")
        message = "That page link is not valid: search again."
    else:
        html = search(client, q=query)

    assert f'data-testid="search-problem"><p>{message}</p>' in html
    assert 'data-testid="result"' not in html
    assert PartnerCall.objects.count() == 0


def test_without_a_query_the_page_is_the_form_and_asks_nobody(client, user_in_role, priced):
    client.force_login(user_in_role(Role.KIOSK))

    html = search(client)

    assert 'data-testid="search-form"' in html
    assert 'data-testid="search-results"' not in html
    assert PartnerCall.objects.count() == 0


def test_the_page_takes_the_same_queries_however_many_partners(
    client, user_in_role, priced, django_assert_max_num_queries
):
    client.force_login(user_in_role(Role.KIOSK))
    for slug in ("hearth", "baywater", "stridewell"):
        partner_status_change(partner=priced[slug], status=Partner.Status.PAUSED)
    with django_assert_max_num_queries(QUERIES) as one:
        search(client, q="jumper")
    for slug in ("hearth", "baywater", "stridewell"):
        partner_status_change(partner=priced[slug], status=Partner.Status.LIVE)

    with django_assert_max_num_queries(QUERIES) as four:
        search(client, q="jumper")

    assert len(four.captured_queries) == len(one.captured_queries)


QUERIES = 16 + CALL_LOG_QUERIES
