"""Name search across the sandbox partners, merged and paged, and similar items."""

from collections import Counter
from itertools import zip_longest

import pytest

from catalog.fanout import OutcomeStatus
from catalog.search import SearchCursorInvalid, catalog_search, similar_items
from partners.models import PartnerCall
from tests.catalog.conftest import partner_calls, price_doubled

pytestmark = partner_calls


def searches() -> list[tuple[str, str]]:
    """(partner, path) of every search call, oldest first."""
    return list(
        PartnerCall.objects.filter(operation="search")
        .order_by("pk")
        .values_list("partner__slug", "path")
    )


def product_ids(results) -> dict[str, list[str]]:
    return {
        outcome.partner.slug: [p.partner_product_id for p in outcome.answer.products]
        for outcome in results.outcomes
        if outcome.answered
    }


def test_one_page_merges_every_partners_results_in_turn(live, sandbox):
    results = catalog_search(query="jumper", partners=live, selling_price=price_doubled)

    assert [(o.partner.slug, o.status) for o in results.outcomes] == [
        ("threadline", OutcomeStatus.ANSWERED),
        ("stridewell", OutcomeStatus.ANSWERED),
        ("hearth", OutcomeStatus.ANSWERED),
        ("baywater", OutcomeStatus.ANSWERED),  # no search operation: no results, no call
    ]
    found = product_ids(results)
    for partner in sandbox:
        expected = [offer.product_number for offer in partner.catalog.search("jumper")]
        assert found[partner.name] == (expected if partner.name != "baywater" else [])
    assert sorted(slug for slug, _ in searches()) == ["hearth", "stridewell", "threadline"]
    # Every result is in exactly one view, and views come in the order of the partners'
    # results taken in turn (each one's first, then each one's second...).
    view_of = {
        (partner.slug, product.partner_product_id): index
        for index, view in enumerate(results.views)
        for partner, product in view.products
    }
    in_turn = [
        (slug, pid)
        for row in zip_longest(*[[(s, p) for p in ids] for s, ids in found.items()])
        for slug, pid in filter(None, row)
    ]
    assert sorted(view_of) == sorted(in_turn)
    first_seen = list(dict.fromkeys(view_of[entry] for entry in in_turn))
    assert first_seen == list(range(len(results.views)))
    assert len(results.views) < len(in_turn)  # some partners sell the same jumpers
    assert results.next_cursor is None


def test_pages_follow_each_partners_own_paging(live, sandbox):
    pages = [catalog_search(query="trainer", partners=live, selling_price=price_doubled)]
    while pages[-1].next_cursor is not None:
        pages.append(
            catalog_search(
                query="trainer",
                partners=live,
                selling_price=price_doubled,
                cursor=pages[-1].next_cursor,
            )
        )

    # Stridewell pages its 207 trainer SKUs 60 at a time; the others answer in one page.
    assert len(pages) == 4
    assert Counter(slug for slug, _ in searches()) == {
        "threadline": 1,
        "stridewell": 4,
        "hearth": 1,
    }
    assert [[o.partner.slug for o in page.outcomes] for page in pages[1:]] == [["stridewell"]] * 3
    stridewell_ids = {pid for page in pages for pid in product_ids(page).get("stridewell", [])}
    assert stridewell_ids == {
        offer.product_number for offer in sandbox.stridewell.catalog.search("trainer")
    }


def test_a_page_is_answered_from_the_cache_the_second_time(live):
    first = catalog_search(query="jumper", partners=live, selling_price=price_doubled)
    second = catalog_search(query="jumper", partners=live, selling_price=price_doubled)

    assert [o.from_cache for o in first.outcomes] == [False] * 4
    assert [o.from_cache for o in second.outcomes] == [True] * 4
    assert product_ids(second) == product_ids(first)
    assert len(searches()) == 3


def test_a_partner_not_answering_is_left_out_of_the_next_pages(live, sandbox):
    sandbox.stridewell.faults_set("5xx", operations=["search"])

    results = catalog_search(query="trainer", partners=live, selling_price=price_doubled)

    statuses = {o.partner.slug: o.status for o in results.outcomes}
    assert statuses["stridewell"] == OutcomeStatus.NOT_ANSWERING
    assert statuses["threadline"] == statuses["hearth"] == OutcomeStatus.ANSWERED
    assert results.next_cursor is None


def test_a_cursor_of_another_search_or_forged_is_refused(live):
    page = catalog_search(query="trainer", partners=live, selling_price=price_doubled)
    calls = PartnerCall.objects.count()

    with pytest.raises(SearchCursorInvalid, match="belongs to another search"):
        catalog_search(
            query="boot", partners=live, selling_price=price_doubled, cursor=page.next_cursor
        )
    for forged in (page.next_cursor[:-2] + "xx", "e30:1tAAAA:forged", "x" * 5000):
        with pytest.raises(SearchCursorInvalid, match="That page link is not valid"):
            catalog_search(
                query="trainer", partners=live, selling_price=price_doubled, cursor=forged
            )
    assert PartnerCall.objects.count() == calls


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Type a few words to search for."),
        (" \t ", "Type a few words to search for."),
        ("x" * 101, "A search has at most 100 characters."),
    ],
)
def test_a_bad_query_is_refused_before_any_call(live, query, message):
    with pytest.raises(ValueError) as raised:
        catalog_search(query=query, partners=live, selling_price=price_doubled)

    assert str(raised.value) == message
    assert PartnerCall.objects.count() == 0


def test_spaces_in_a_query_are_tidied(live):
    results = catalog_search(
        query="  merino \n jumper ", partners=live, selling_price=price_doubled
    )

    assert results.query == "merino jumper"


def test_similar_items_come_from_the_partners_similar_operation(onboarded, sandbox):
    offer = next(offer for offer in sandbox.threadline.catalog.offers if offer.similar)

    first = similar_items(partner=onboarded["threadline"], partner_product_id=offer.product_number)
    again = similar_items(partner=onboarded["threadline"], partner_product_id=offer.product_number)

    assert first.status == OutcomeStatus.ANSWERED
    assert [product.partner_product_id for product in first.answer] == list(offer.similar)
    assert (again.from_cache, again.answer) == (True, first.answer)
    assert PartnerCall.objects.filter(operation="similar").count() == 1


def test_a_partner_without_similar_items_answers_none_without_a_call(onboarded):
    outcome = similar_items(partner=onboarded["baywater"], partner_product_id="BW00001")

    assert (outcome.status, outcome.answer) == (OutcomeStatus.ANSWERED, [])
    assert PartnerCall.objects.count() == 0


def test_similar_items_of_a_failing_partner_are_not_answering(onboarded, sandbox):
    sandbox.hearth.faults_set("5xx", operations=["similar"])
    number = sandbox.hearth.catalog.offers[0].product_number

    outcome = similar_items(partner=onboarded["hearth"], partner_product_id=number)

    assert (outcome.status, outcome.reason) == (
        OutcomeStatus.NOT_ANSWERING,
        "The partner failed to answer (HTTP 503).",
    )


@pytest.mark.parametrize(
    ("partner_product_id", "message"),
    [
        ("", "a partner product id is needed"),
        ("x" * 101, "a partner product id has at most 100 characters"),
    ],
)
def test_a_bad_product_id_is_refused(onboarded, partner_product_id, message):
    with pytest.raises(ValueError, match=message):
        similar_items(partner=onboarded["threadline"], partner_product_id=partner_product_id)
    assert PartnerCall.objects.count() == 0
