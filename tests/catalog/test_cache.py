"""Partners' answers kept briefly: hits, misses, a manual refresh, a new configuration version,
what is never kept (errors) and how big an answer may be to be kept."""

import pickle
from datetime import timedelta

import pytest
from django.core.cache import cache

from catalog.fanout import OutcomeStatus
from catalog.lookup import catalog_lookup
from catalog.partner_cache import (
    CachedAnswer,
    partner_answer_key,
    partner_answer_put,
    partner_answers_get,
)
from partners.models import Partner
from partners.pending_versions import partner_pending_promote
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import sandbox_partner_prove
from partners.services import partner_config_bump
from tests.catalog.conftest import gtin_carried_by, lookups_of, partner_calls, price_doubled
from tests.partners.sandbox.picks import UNKNOWN_GTIN


@pytest.fixture
def threadline(onboarded) -> Partner:
    return onboarded["threadline"]


@pytest.fixture
def gtin(sandbox) -> str:
    return gtin_carried_by(sandbox, PartnerName.THREADLINE)


def lookup(partner, code, **options):
    [outcome] = catalog_lookup(
        code=code, partners=[partner], selling_price=price_doubled, **options
    ).outcomes
    return outcome


@partner_calls
def test_a_repeated_lookup_is_answered_from_the_cache_with_its_age(threadline, gtin):
    first = lookup(threadline, gtin)
    second = lookup(threadline, gtin)

    assert (first.status, first.from_cache) == (OutcomeStatus.ANSWERED, False)
    assert (second.status, second.from_cache) == (OutcomeStatus.ANSWERED, True)
    assert second.answer == first.answer
    assert second.fetched_at == first.fetched_at  # the age shown is the partner's answer's
    assert second.age >= timedelta(0)
    assert lookups_of(threadline) == [(200, "ok", 1)]


@partner_calls
def test_not_carried_is_kept_too(threadline):
    first = lookup(threadline, UNKNOWN_GTIN)
    second = lookup(threadline, UNKNOWN_GTIN)

    assert (first.status, first.from_cache) == (OutcomeStatus.NOT_CARRIED, False)
    assert (second.status, second.from_cache) == (OutcomeStatus.NOT_CARRIED, True)
    assert lookups_of(threadline) == [(404, "not_found", 1)]


@partner_calls
def test_a_manual_refresh_asks_again_and_keeps_the_new_answer(threadline, gtin):
    first = lookup(threadline, gtin)
    refreshed = lookup(threadline, gtin, refresh=True)
    after = lookup(threadline, gtin)

    assert refreshed.from_cache is False
    assert refreshed.fetched_at > first.fetched_at
    assert (after.from_cache, after.fetched_at) == (True, refreshed.fetched_at)
    assert lookups_of(threadline) == [(200, "ok", 1), (200, "ok", 1)]


@partner_calls
def test_code_and_quantity_are_part_of_the_key(threadline, sandbox, gtin):
    other = sandbox.threadline.catalog.offers[1].variants[0].variant.gtin

    outcomes = [lookup(threadline, gtin), lookup(threadline, gtin, quantity=2)]
    outcomes.append(lookup(threadline, other))

    assert [outcome.from_cache for outcome in outcomes] == [False, False, False]
    assert len(lookups_of(threadline)) == 3


@partner_calls
def test_a_new_live_version_does_not_see_the_old_versions_answers(threadline, sandbox, gtin):
    old = lookup(threadline, gtin)
    config = threadline.operations.get(operation="lookup")
    config.response_mapping = config.response_mapping.replace(
        '"name": name', '"name": "New " & name'
    )
    config.save()
    partner_config_bump(partner=threadline)
    sandbox_partner_prove(threadline, PartnerName.THREADLINE)
    partner_pending_promote(partner=Partner.objects.get(pk=threadline.pk), user=None)
    sandbox.threadline.reset()  # the proof's test order took stock; the product is the same

    new = lookup(Partner.objects.get(pk=threadline.pk), gtin)

    assert new.from_cache is False
    assert new.answer.name == f"New {old.answer.name}"


@partner_calls
def test_errors_are_never_kept(threadline, sandbox, gtin):
    sandbox.threadline.faults_set("5xx", count=3, operations=["lookup_code"])

    failed = lookup(threadline, gtin)
    answered = lookup(threadline, gtin)

    assert failed.status == OutcomeStatus.NOT_ANSWERING
    assert (answered.status, answered.from_cache) == (OutcomeStatus.ANSWERED, False)


@partner_calls
def test_a_huge_answer_is_refused_by_the_client_and_not_kept(threadline, sandbox, gtin):
    sandbox.threadline.faults_set("huge", count=1, operations=["lookup_code"])

    refused = lookup(threadline, gtin)
    answered = lookup(threadline, gtin)

    assert refused.status == OutcomeStatus.NOT_ANSWERING
    assert refused.reason == "The answer is 5120 KB, over this partner's 2048 KB limit."
    assert (answered.status, answered.from_cache) == (OutcomeStatus.ANSWERED, False)
    assert lookups_of(threadline) == [(200, "too_large", 1), (200, "ok", 1)]


@partner_calls
def test_an_answer_over_the_cache_limit_is_used_but_not_kept(threadline, gtin, settings):
    settings.CATALOG_PARTNER_CACHE_MAX_BYTES = 1000  # a 12-variant product is several KB

    outcomes = [lookup(threadline, gtin), lookup(threadline, gtin)]
    not_carried = [lookup(threadline, UNKNOWN_GTIN), lookup(threadline, UNKNOWN_GTIN)]

    assert [(o.status, o.from_cache) for o in outcomes] == [(OutcomeStatus.ANSWERED, False)] * 2
    assert [o.from_cache for o in not_carried] == [False, True]  # a small answer still is


def test_keys_differ_by_partner_version_operation_and_input():
    base = {"partner_id": 1, "config_version": 1, "operation": "lookup"}
    arguments = {"code": "4006381333931", "quantity": 1}
    keys = {
        partner_answer_key(**base, arguments=arguments),
        partner_answer_key(**{**base, "partner_id": 2}, arguments=arguments),
        partner_answer_key(**{**base, "config_version": 2}, arguments=arguments),
        partner_answer_key(**{**base, "operation": "search"}, arguments=arguments),
        partner_answer_key(**base, arguments={**arguments, "quantity": 2}),
        partner_answer_key(**base, arguments={**arguments, "code": "4006381333948"}),
    }

    assert len(keys) == 6
    # A customer's query never makes a long or odd key.
    long_query = partner_answer_key(**base, arguments={"query": "ü " * 500, "page": 1})
    assert len(long_query) < 100
    assert long_query.isascii()


def test_an_unreadable_entry_is_a_miss():
    key = partner_answer_key(
        partner_id=1, config_version=1, operation="lookup", arguments={"code": "x"}
    )
    cache.set(key, b"not a pickle")

    assert partner_answers_get([key]) == {}


def test_an_entry_over_the_limit_is_not_written(settings):
    key = partner_answer_key(
        partner_id=1, config_version=1, operation="lookup", arguments={"code": "y"}
    )
    entry = CachedAnswer(answer="x" * 2000, fetched_at=None)
    settings.CATALOG_PARTNER_CACHE_MAX_BYTES = len(pickle.dumps((entry.answer, None))) - 1

    assert partner_answer_put(key, entry) is False
    assert cache.get(key) is None
    settings.CATALOG_PARTNER_CACHE_MAX_BYTES += 1
    assert partner_answer_put(key, entry) is True
    assert partner_answers_get([key]) == {key: entry}


def test_the_entries_of_a_lookup_are_read_from_redis_together(settings, redis_url, redis_prefix):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": redis_prefix,
        }
    }
    kept, missing, unreadable = (
        partner_answer_key(
            partner_id=partner_id, config_version=1, operation="lookup", arguments={"code": "z"}
        )
        for partner_id in (1, 2, 3)
    )
    entry = CachedAnswer(answer={"sku": "TL-1"}, fetched_at=None)
    partner_answer_put(kept, entry)
    cache.set(unreadable, b"not a pickle")

    assert partner_answers_get([kept, missing, unreadable]) == {kept: entry}
