"""The lookup fan-out against the sandbox partners over HTTP: every partner asked at once,
each outcome an offer, "not carried" or "not answering" (never confused), and the overall
deadline."""

import threading
from decimal import Decimal

import pytest

from catalog.fanout import OutcomeStatus
from catalog.lookup import catalog_lookup
from catalog.selectors import partners_live
from partners.mapping import Availability, Product
from partners.models import Partner, PartnerCall
from partners.sandbox.catalog import PartnerName
from partners.services import partner_status_change
from tests.catalog.conftest import gtin_carried_by, lookups_of, partner_calls, price_doubled
from tests.conftest import wait_for
from tests.partners.sandbox.picks import UNKNOWN_GTIN

pytestmark = partner_calls

ALL = (PartnerName.THREADLINE, PartnerName.STRIDEWELL, PartnerName.HEARTH, PartnerName.BAYWATER)


def statuses(result) -> dict[str, str]:
    return {outcome.partner.slug: outcome.status for outcome in result.outcomes}


def test_every_partner_is_asked_at_the_same_time(live, sandbox):
    gtin = gtin_carried_by(sandbox, *ALL)
    for partner in sandbox:
        partner.hold_set(True)
    finished = {}
    lookup = threading.Thread(
        target=lambda: finished.setdefault(
            "result", catalog_lookup(code=gtin, partners=live, selling_price=price_doubled)
        )
    )
    lookup.start()
    try:
        # Four requests waiting at the four partners at once: none waited for another.
        wait_for(lambda: all(partner.concurrency.in_flight == 1 for partner in sandbox))
    finally:
        for partner in sandbox:
            partner.hold_set(False)
    lookup.join(60)

    result = finished["result"]
    assert statuses(result) == dict.fromkeys(ALL, OutcomeStatus.ANSWERED)
    assert [type(outcome.answer) for outcome in result.outcomes] == [
        Product,
        Product,
        Product,
        Availability,
    ]
    [view] = result.views
    assert sorted(offer.partner.slug for offer in view.variant(gtin).offers) == sorted(ALL)


def test_partners_that_do_not_carry_the_code_say_so(live, sandbox):
    gtin = gtin_carried_by(sandbox, PartnerName.THREADLINE)

    result = catalog_lookup(code=gtin, partners=live, selling_price=price_doubled)

    assert statuses(result) == {
        "threadline": OutcomeStatus.ANSWERED,
        "stridewell": OutcomeStatus.NOT_CARRIED,
        "hearth": OutcomeStatus.NOT_CARRIED,
        "baywater": OutcomeStatus.NOT_CARRIED,
    }
    assert result.not_answering == []
    assert [outcome.reason for outcome in result.not_carried] == ["", "", ""]
    [view] = result.views
    offer = view.variant(gtin).best
    expected = sandbox.threadline.catalog.by_gtin(gtin)
    assert (offer.partner.slug, offer.partner_sku) == ("threadline", expected[1].sku)
    assert offer.cost == expected[0].cost
    assert offer.selling_price == expected[0].cost * 2


def test_nobody_carrying_a_code_gives_no_views(live):
    result = catalog_lookup(code=UNKNOWN_GTIN, partners=live, selling_price=price_doubled)

    assert statuses(result) == dict.fromkeys(ALL, OutcomeStatus.NOT_CARRIED)
    assert result.views == ()


def test_a_failing_partner_is_not_answering_beside_the_others(live, onboarded, sandbox):
    gtin = gtin_carried_by(sandbox, *ALL)
    sandbox.hearth.faults_set("5xx", operations=["lookup_code"])

    result = catalog_lookup(code=gtin, partners=live, selling_price=price_doubled)

    assert statuses(result) == {
        "threadline": OutcomeStatus.ANSWERED,
        "stridewell": OutcomeStatus.ANSWERED,
        "hearth": OutcomeStatus.NOT_ANSWERING,
        "baywater": OutcomeStatus.ANSWERED,
    }
    [hearth] = result.not_answering
    assert hearth.reason == "The partner failed to answer (HTTP 503)."
    assert hearth.answer is None
    assert result.not_carried == []
    # Each attempt still logged, from the worker thread.
    assert lookups_of(onboarded["hearth"]) == [(503, "unavailable", n) for n in (1, 2, 3)]
    [view] = result.views
    assert sorted(offer.partner.slug for offer in view.variant(gtin).offers) == [
        "baywater",
        "stridewell",
        "threadline",
    ]


def test_a_partner_with_its_circuit_open_is_not_answering(live, onboarded, sandbox):
    gtin = gtin_carried_by(sandbox, *ALL)
    threadline = onboarded["threadline"]
    # Two lookups of three failed attempts each open the circuit (five failures in a row);
    # the partner would answer the third.
    sandbox.threadline.faults_set("5xx", count=6, operations=["lookup_code"])
    for _ in range(2):
        catalog_lookup(code=gtin, partners=[threadline], selling_price=price_doubled)
    calls_before = PartnerCall.objects.filter(partner=threadline).count()

    result = catalog_lookup(code=gtin, partners=live, selling_price=price_doubled)

    assert statuses(result)["threadline"] == OutcomeStatus.NOT_ANSWERING
    assert result.not_answering[0].reason == (
        "Paused after repeated failures; calls resume after a cool-down of 30 s."
    )
    assert list(
        PartnerCall.objects.filter(partner=threadline)
        .order_by("pk")[calls_before:]
        .values_list("outcome", "status_code")
    ) == [("circuit_open", None)]
    assert sandbox.threadline.faults.rules() != []  # the sandbox was not asked again
    assert {slug for slug, status in statuses(result).items() if status == "answered"} == {
        "stridewell",
        "hearth",
        "baywater",
    }


def test_a_paused_partner_is_not_live_and_gets_no_lookup(live, onboarded, sandbox):
    gtin = gtin_carried_by(sandbox, *ALL)
    partner_status_change(partner=onboarded["stridewell"], status=Partner.Status.PAUSED)
    stridewell = Partner.objects.get(slug="stridewell")

    everyone_live = list(partners_live())
    routed = catalog_lookup(code=gtin, partners=[stridewell], selling_price=price_doubled)

    assert [partner.slug for partner in everyone_live] == ["threadline", "hearth", "baywater"]
    assert statuses(routed) == {"stridewell": OutcomeStatus.NOT_ANSWERING}
    assert routed.not_answering[0].reason.startswith("Stridewell is paused: it takes no new")
    assert lookups_of(stridewell) == []


def test_the_overall_deadline_shows_a_slow_partner_as_not_answering(
    live, onboarded, sandbox, settings
):
    threadline = onboarded["threadline"]
    gtin = gtin_carried_by(sandbox, *ALL)
    settings.CATALOG_PARTNER_DEADLINE_SECONDS = 0.3
    sandbox.threadline.hold_set(True)
    try:
        result = catalog_lookup(code=gtin, partners=[threadline], selling_price=price_doubled)
        # Returned while the partner holds every request: the page did not wait for it.
        wait_for(lambda: sandbox.threadline.concurrency.in_flight == 1)
    finally:
        sandbox.threadline.hold_set(False)

    assert statuses(result) == {"threadline": OutcomeStatus.NOT_ANSWERING}
    assert result.not_answering[0].reason == "No answer within the 0.3 s a page waits for partners."
    assert result.views == ()
    # The call goes on in its thread and is logged when it ends; its answer is not kept.
    wait_for(lambda: lookups_of(threadline) == [(200, "ok", 1)])
    settings.CATALOG_PARTNER_DEADLINE_SECONDS = 60
    again = catalog_lookup(code=gtin, partners=[threadline], selling_price=price_doubled)
    assert (again.outcomes[0].status, again.outcomes[0].from_cache) == ("answered", False)


def test_a_deadline_passed_in_overrides_the_setting(onboarded, sandbox):
    threadline = onboarded["threadline"]
    sandbox.threadline.hold_set(True)
    try:
        result = catalog_lookup(
            code=gtin_carried_by(sandbox, *ALL),
            partners=[threadline],
            selling_price=price_doubled,
            deadline_seconds=0.2,
        )
    finally:
        sandbox.threadline.hold_set(False)

    assert result.not_answering[0].reason == "No answer within the 0.2 s a page waits for partners."
    wait_for(lambda: lookups_of(threadline) == [(200, "ok", 1)])


@pytest.mark.parametrize(
    ("code", "quantity", "message"),
    [
        ("", 1, "a lookup needs a code"),
        ("   ", 1, "a lookup needs a code"),
        ("X" * 65, 1, "a code has at most 64 characters"),
        (UNKNOWN_GTIN, 0, "quantity must be a whole number of 1 or more, got 0"),
        (UNKNOWN_GTIN, 1000, "at most 999 can be looked up at once, got 1000"),
        (UNKNOWN_GTIN, "2", "quantity must be a whole number of 1 or more, got '2'"),
    ],
)
def test_a_bad_code_or_quantity_is_refused_before_any_call(live, code, quantity, message):
    with pytest.raises(ValueError) as raised:
        catalog_lookup(code=code, quantity=quantity, partners=live, selling_price=price_doubled)

    assert str(raised.value) == message
    assert PartnerCall.objects.count() == 0


def test_a_deadline_of_zero_is_refused(live):
    with pytest.raises(ValueError, match="the deadline must be more than 0 seconds, got 0"):
        catalog_lookup(
            code=UNKNOWN_GTIN, partners=live, selling_price=price_doubled, deadline_seconds=0
        )
    assert PartnerCall.objects.count() == 0


def test_prices_come_from_the_pricing_passed_in(live, sandbox):
    gtin = gtin_carried_by(sandbox, PartnerName.THREADLINE)

    result = catalog_lookup(code=gtin, partners=live, selling_price=lambda offer: Decimal("9.99"))

    assert {
        offer.selling_price for view in result.views for v in view.variants for offer in v.offers
    } == {Decimal("9.99")}


def test_a_partner_given_twice_is_asked_once(onboarded, sandbox):
    threadline, stridewell = onboarded["threadline"], onboarded["stridewell"]
    gtin = gtin_carried_by(sandbox, *ALL)

    result = catalog_lookup(
        code=gtin, partners=[threadline, stridewell, threadline], selling_price=price_doubled
    )

    assert [outcome.partner.slug for outcome in result.outcomes] == ["threadline", "stridewell"]
    assert lookups_of(threadline) == [(200, "ok", 1)]
