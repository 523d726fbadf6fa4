"""The go-live gate: each missing proof refuses going live, naming it, and changes nothing;
a partner proven over HTTP at its current configuration version goes live."""

import pytest
from django.core.exceptions import ValidationError

from partners.connection_test import partner_connection_test
from partners.models import Partner, PartnerProof
from partners.proofs import place_order_sign_off
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import SANDBOX_CREDENTIALS, sandbox_config
from partners.services import (
    partner_config_bump,
    partner_config_import,
    partner_credentials_set,
    partner_go_live_problems,
    partner_status_change,
)
from tests.partners.sandbox.picks import UNKNOWN_GTIN, in_stock

pytestmark = pytest.mark.django_db

PLACE_ORDER_UNPROVEN = (
    "Place order: send a test order on configuration version {} (or, for a partner without a "
    "test mode, sign orders off)"
)


def go_live_refused(partner: Partner) -> list[str]:
    """Try to go live; the refusal's problems. The partner stays where it was."""
    before = (partner.status, partner.config_version)
    with pytest.raises(ValidationError) as refused:
        partner_status_change(partner=partner, status=Partner.Status.LIVE)
    partner.refresh_from_db()
    assert (partner.status, partner.config_version) == before
    assert refused.value.messages[0] == "Cannot go live:"
    return refused.value.messages[1:]


def threadline_with(sandbox, **operation_changes) -> Partner:
    """Threadline imported with some operations' mappings replaced, with credentials, testing."""
    data = sandbox_config(PartnerName.THREADLINE)
    for item in data["operations"]:
        item.update(operation_changes.get(item["operation"], {}))
    partner = partner_config_import(data=data, base_url=sandbox.threadline.base_url)
    partner_credentials_set(partner=partner, values=SANDBOX_CREDENTIALS[PartnerName.THREADLINE])
    return partner_status_change(partner=partner, status=Partner.Status.TESTING)


def test_a_partner_proven_on_its_version_goes_live_and_keeps_its_version(proven):
    partner = proven()
    version = partner.config_version

    assert partner_go_live_problems(partner) == []
    partner_status_change(partner=partner, status=Partner.Status.LIVE)

    partner.refresh_from_db()
    assert (partner.status, partner.config_version) == (Partner.Status.LIVE, version)
    assert sorted(
        partner.proofs.filter(config_version=version, passed=True).values_list("kind", "operation")
    ) == [
        ("connection_test", "lookup"),
        ("connection_test", "lookup"),
        ("connection_test", "order_status"),
        ("connection_test", "search"),
        ("connection_test", "similar"),
        ("test_order", "place_order"),
    ]


def test_missing_credentials_are_named(sandbox, sandbox_allowed):
    partner = partner_config_import(
        data=sandbox_config(PartnerName.HEARTH), base_url=sandbox.hearth.base_url
    )
    partner = partner_status_change(partner=partner, status=Partner.Status.TESTING)

    problems = go_live_refused(partner)

    assert problems[0] == "Credentials: Username not set"
    assert problems[1] == "Credentials: Password not set"
    assert not partner.proofs.exists()


def test_no_test_connection_is_named_with_a_link_to_test_it(sandbox, sandbox_allowed):
    partner = threadline_with(sandbox)

    problems = partner_go_live_problems(partner)

    assert problems[:4] == [
        "Look up by code: no Test connection yet",
        "Search by name: no Test connection yet",
        "Similar items: no Test connection yet",
        "Order status: no Test connection yet",
    ]
    assert problems[0].link == (
        f"/admin/partners/partner/{partner.pk}/test-connection/?operation=lookup"
    )
    assert problems[4] == PLACE_ORDER_UNPROVEN.format(partner.config_version)
    assert problems[4].link == f"/admin/partners/partner/{partner.pk}/test-order/"


def test_a_failed_test_connection_is_named_with_its_outcome(sandbox, sandbox_allowed):
    partner = threadline_with(sandbox)
    partner_credentials_set(partner=partner, values={"api_key": "wrong-key"})
    _offer, item = in_stock(sandbox.threadline)

    partner_connection_test(partner=partner, operation="lookup", value=item.variant.gtin)

    problems = go_live_refused(partner)
    assert problems[0].startswith(
        f"Look up by code: Test connection did not pass on configuration version "
        f"{partner.config_version}; the last run: "
    )
    assert "401" in problems[0] or "uthenticat" in problems[0]
    assert list(partner.proofs.values_list("passed", flat=True)) == [False]


def test_a_test_on_an_older_version_does_not_count(proven):
    partner = proven()
    tested = partner.config_version

    partner_config_bump(partner=partner)

    problems = go_live_refused(partner)
    assert problems == [
        f"Look up by code: last tested on configuration version {tested}, but the "
        f"configuration is now version {tested + 1}: run Test connection again",
        f"Search by name: last tested on configuration version {tested}, but the "
        f"configuration is now version {tested + 1}: run Test connection again",
        f"Similar items: last tested on configuration version {tested}, but the "
        f"configuration is now version {tested + 1}: run Test connection again",
        f"Order status: last tested on configuration version {tested}, but the "
        f"configuration is now version {tested + 1}: run Test connection again",
        PLACE_ORDER_UNPROVEN.format(tested + 1),
    ]


def test_a_mapping_that_fails_on_a_recorded_answer_is_named(proven, sandbox):
    partner = proven()
    config = partner.operations.get(operation="lookup")
    # Written from the documentation's happy path: the 404 "not carried" answer breaks it.
    config.response_mapping = config.response_mapping.replace("status = 404 ? null : ", "")
    config.save()
    partner_config_bump(partner=partner)
    partner = type(partner).objects.get(pk=partner.pk)
    _offer, item = in_stock(sandbox.threadline)
    partner_connection_test(partner=partner, operation="lookup", value=item.variant.gtin)

    partner_connection_test(partner=partner, operation="lookup", value=UNKNOWN_GTIN)

    go_live_refused(partner)
    problems = [
        problem
        for problem in partner_go_live_problems(partner)
        if problem.startswith("Look up by code ·")
    ]
    assert len(problems) == 1
    assert problems[0].startswith(
        f"Look up by code · response mapping fails on the partner's answer to {UNKNOWN_GTIN} "
        "(Test connection of "
    )
    assert "partner_product_id" in problems[0]
    assert problems[0].link == (
        f"/admin/partners/partner/{partner.pk}/preview-mapping/?operation=lookup&direction=response"
    )


def test_unproven_place_order_is_named(proven):
    partner = proven()
    partner.proofs.filter(kind=PartnerProof.Kind.TEST_ORDER).delete()

    assert go_live_refused(partner) == [PLACE_ORDER_UNPROVEN.format(partner.config_version)]


def test_a_mapping_that_reads_only_the_first_line_cannot_go_live(proven):
    data = sandbox_config(PartnerName.THREADLINE)
    for item in data["operations"]:
        if item["operation"] == "place_order":
            item["request_mapping"] = (
                '{"body": {"lines": [{"sku": lines[0].partner_sku, "quantity": '
                'lines[0].quantity}], "ship_to": ship_to}}'
            )
    partner = proven(data=data)  # its test order of two lines is accepted: one line arrived

    problems = go_live_refused(partner)

    assert partner.operations.get(operation="place_order").request_mapping.count("lines[0]") == 2
    assert partner.proofs.get(kind=PartnerProof.Kind.TEST_ORDER).passed is True
    assert problems == [
        "Place order · request mapping: the request does not change when line 2's item "
        "changes, so line 2 would not reach the partner (a mapping that reads lines[0] drops "
        'every other line). Map every line, e.g. "items": lines.{"sku": partner_sku, "qty": '
        "quantity}[], or, if the partner takes one item per order, say so on the partner",
        "Place order · request mapping: the request does not change when line 2's quantity "
        "changes, so the partner would not know how many to send: map every line's quantity",
    ]


def test_a_sign_off_proves_place_order_without_a_test_order(proven, user_in_role):
    partner = proven()
    partner.proofs.filter(kind=PartnerProof.Kind.TEST_ORDER).delete()
    merchandiser = user_in_role(None, stores=[])

    proof = place_order_sign_off(
        partner=partner, reason="No test mode; checked on a call with their team.", by=merchandiser
    )

    assert (proof.config_version, proof.created_by, proof.passed) == (
        partner.config_version,
        merchandiser,
        True,
    )
    assert partner_go_live_problems(partner) == []


@pytest.mark.parametrize("reason", ["", "   ", "no test"])
def test_a_sign_off_needs_a_reason_and_records_nothing_without_one(proven, reason):
    partner = proven()
    partner.proofs.filter(kind=PartnerProof.Kind.TEST_ORDER).delete()

    with pytest.raises(ValidationError):
        place_order_sign_off(partner=partner, reason=reason, by=None)

    assert not partner.proofs.filter(kind=PartnerProof.Kind.SIGN_OFF).exists()


def test_status_changes_keep_the_version_and_its_proofs(proven):
    partner = proven()
    version = partner.config_version

    for status in (Partner.Status.LIVE, Partner.Status.PAUSED, Partner.Status.LIVE):
        partner = partner_status_change(partner=partner, status=status)

    partner.refresh_from_db()
    assert (partner.status, partner.config_version) == (Partner.Status.LIVE, version)
