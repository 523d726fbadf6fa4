"""Every sandbox fault, seen through `adapter_for(partner)` on the onboarded partners: the
caller gets the right error type and the call log exactly the right rows; reads are retried,
orders never; nothing secret reaches a PartnerCall row or a log record."""

import base64
import logging

import pytest

from partners.adapters.declarative import OperationNotSupported, PartnerMappingError
from partners.adapters.registry import adapter_for
from partners.http import (
    PartnerBadResponse,
    PartnerRateLimited,
    PartnerResponseTooLarge,
    PartnerTimeout,
    PartnerUnavailable,
)
from partners.models import PartnerCall
from partners.operations import Operation
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import SANDBOX_CREDENTIALS
from tests.partners.http.helpers import carried_gtin
from tests.partners.sandbox.picks import in_stock
from tests.partners.test_declarative_adapter import order_for

pytestmark = pytest.mark.django_db

SLUGS = [name.value for name in PartnerName]
# The sandbox request each partner's lookup mapping sends (Stridewell looks up by a search).
SANDBOX_LOOKUP = {
    "threadline": "lookup_code",
    "stridewell": "search",
    "hearth": "lookup_code",
    "baywater": "lookup_code",
}
FORMAT = {"threadline": "JSON", "stridewell": "JSON", "hearth": "XML", "baywater": "JSON"}
NAME = {
    "threadline": "Threadline",
    "stridewell": "Stridewell",
    "hearth": "Hearth & Home",
    "baywater": "Baywater Wholesale",
}


def calls_of(partner) -> list[tuple]:
    """(operation, status code, outcome, attempt) of the partner's calls, oldest first; the
    OAuth2 token request Stridewell makes first is not the call under test."""
    return list(
        PartnerCall.objects.filter(partner=partner)
        .exclude(operation="oauth_token")
        .order_by("pk")
        .values_list("operation", "status_code", "outcome", "attempt")
    )


def lookup_with_fault(onboarded, sandbox, slug, kind, **fault):
    partner = sandbox.by_name(slug)
    partner.faults_set(kind, operations=[SANDBOX_LOOKUP[slug]], **fault)
    return adapter_for(onboarded[slug]).lookup(carried_gtin(partner))


@pytest.mark.parametrize("slug", SLUGS)
def test_a_malformed_answer_is_a_bad_response(onboarded, sandbox, slug):
    with pytest.raises(PartnerBadResponse) as raised:
        lookup_with_fault(onboarded, sandbox, slug, "malformed", count=1)

    assert str(raised.value).startswith(
        f"{NAME[slug]} answered badly: the answer is not valid {FORMAT[slug]}: "
    )
    assert calls_of(onboarded[slug]) == [("lookup", 200, "bad_response", 1)]


@pytest.mark.parametrize("slug", SLUGS)
def test_a_wrong_content_type_is_a_bad_response(onboarded, sandbox, slug):
    with pytest.raises(PartnerBadResponse) as raised:
        lookup_with_fault(onboarded, sandbox, slug, "wrong-content-type", count=1)

    assert str(raised.value) == (
        f"{NAME[slug]} answered badly: expected {FORMAT[slug]}, got text/html; charset=utf-8"
    )
    assert calls_of(onboarded[slug]) == [("lookup", 200, "bad_response", 1)]


@pytest.mark.parametrize("slug", SLUGS)
def test_a_huge_answer_is_too_large_and_not_retried(onboarded, sandbox, slug):
    with pytest.raises(PartnerResponseTooLarge) as raised:
        lookup_with_fault(onboarded, sandbox, slug, "huge")

    assert str(raised.value) == "The answer is 5120 KB, over this partner's 2048 KB limit."
    assert calls_of(onboarded[slug]) == [("lookup", 200, "too_large", 1)]


@pytest.mark.parametrize("slug", SLUGS)
def test_a_5xx_on_lookup_is_retried_twice_then_unavailable(onboarded, sandbox, slug, backoff_waits):
    with pytest.raises(PartnerUnavailable) as raised:
        lookup_with_fault(onboarded, sandbox, slug, "5xx")

    assert str(raised.value) == "The partner failed to answer (HTTP 503)."
    assert calls_of(onboarded[slug]) == [("lookup", 503, "unavailable", n) for n in (1, 2, 3)]
    assert len(backoff_waits) == 2


@pytest.mark.parametrize("slug", SLUGS)
def test_a_5xx_on_place_order_is_never_retried(onboarded, sandbox, slug, backoff_waits):
    partner = sandbox.by_name(slug)
    _, item = in_stock(partner)
    partner.faults_set("5xx", operations=["order_place"])

    with pytest.raises(PartnerUnavailable):
        adapter_for(onboarded[slug]).place_order(order_for(item.sku, gtin=item.variant.gtin))

    assert partner.counters().order_requests == 1
    assert partner.counters().orders_created == 0
    assert calls_of(onboarded[slug]) == [("place_order", 503, "unavailable", 1)]
    assert backoff_waits == []


@pytest.mark.parametrize("slug", SLUGS)
def test_a_429_is_rate_limited_after_the_retries(onboarded, sandbox, slug, backoff_waits):
    with pytest.raises(PartnerRateLimited) as raised:
        lookup_with_fault(onboarded, sandbox, slug, "429", retry_after_seconds=1)

    assert raised.value.retry_after == 1.0
    assert calls_of(onboarded[slug]) == [("lookup", 429, "rate_limited", n) for n in (1, 2, 3)]
    assert len(backoff_waits) == 2
    assert all(wait >= 1.0 for wait in backoff_waits)


@pytest.mark.parametrize("slug", SLUGS)
def test_no_answer_within_the_read_timeout_is_a_timeout(onboarded, sandbox, slug):
    partner = onboarded[slug]
    partner.read_timeout_ms = 300
    partner.save()

    with pytest.raises(PartnerTimeout) as raised:
        lookup_with_fault(onboarded, sandbox, slug, "timeout", timeout_seconds=1)

    assert str(raised.value) == "No answer within 300 ms."
    assert calls_of(partner) == [("lookup", None, "timeout", n) for n in (1, 2, 3)]


@pytest.mark.parametrize("slug", [slug for slug in SLUGS if slug != "baywater"])
def test_a_mapping_of_the_wrong_shape_is_a_mapping_error_naming_the_field(onboarded, sandbox, slug):
    partner = onboarded[slug]
    config = partner.operations.get(operation="lookup")
    config.response_mapping = (
        'status = 404 ? null : {"partner_product_id": "P-1", "name": 42, "variants": [{}]}'
    )
    config.save()

    with pytest.raises(PartnerMappingError) as raised:
        adapter_for(partner).lookup(carried_gtin(sandbox.by_name(slug)))

    assert str(raised.value) == (
        "lookup mapping result is not a valid product (2 problems):\n"
        "  - lookup: name: must be text (got 42)\n"
        "  - lookup: variants[0].partner_sku: is required unless gtin is given (got nothing)"
    )
    assert calls_of(partner) == [("lookup", 200, "mapping_error", 1)]
    # The call log keeps where the shape is wrong, never the values (they may be customer data).
    assert PartnerCall.objects.get(operation="lookup").error == (
        "name: must be text; variants[0].partner_sku: is required unless gtin is given"
    )


@pytest.mark.parametrize("slug", SLUGS)
def test_an_operation_without_a_configuration_is_not_supported_and_not_sent(onboarded, slug):
    partner = onboarded[slug]
    partner.operations.filter(operation="similar").delete()
    adapter = adapter_for(partner)

    with pytest.raises(OperationNotSupported) as raised:
        adapter.similar("P-1")

    assert adapter.supports(Operation.SIMILAR) is False
    assert adapter.supports(Operation.LOOKUP) is True
    assert str(raised.value) == f"{NAME[slug]} does not offer similar items."
    assert PartnerCall.objects.count() == 0


def secret_forms(slug: str) -> list[str]:
    """Each credential, and the Basic header made of them, as it would appear if leaked."""
    values = SANDBOX_CREDENTIALS[PartnerName(slug)]
    forms = list(values.values())
    if "username" in values:
        pair = f"{values['username']}:{values['password']}"
        forms.append(base64.b64encode(pair.encode()).decode())
    return forms


@pytest.mark.parametrize("slug", SLUGS)
def test_credentials_never_reach_the_call_log_or_log_records(onboarded, sandbox, slug, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="urllib3")
    partner = sandbox.by_name(slug)
    adapter = adapter_for(onboarded[slug])
    _, item = in_stock(partner)

    adapter.lookup(carried_gtin(partner))
    if adapter.supports(Operation.SEARCH):  # Baywater has nothing to search
        adapter.search("boot")
    for kind, count in (("5xx", 3), ("malformed", 1), ("wrong-content-type", 1)):
        partner.faults_set(kind, count=count, operations=[SANDBOX_LOOKUP[slug]])
        with pytest.raises((PartnerUnavailable, PartnerBadResponse)):
            adapter.lookup(carried_gtin(partner))
    partner.faults_set("5xx", operations=["order_place"])
    with pytest.raises(PartnerUnavailable):
        adapter.place_order(order_for(item.sku, gtin=item.variant.gtin))

    logged = [record.getMessage() for record in caplog.records]
    logged += [repr(record.__dict__) for record in caplog.records]
    stored = [repr(row) for row in PartnerCall.objects.values()]
    assert len(stored) >= 6
    assert any("partner" in message for message in logged)
    for secret in secret_forms(slug):
        assert [text for text in logged if secret in text] == [], secret
        assert [text for text in stored if secret in text] == [], secret
