"""Send test order in the admin: real orders over HTTP to the sandbox, each line its own order
for a one-item-per-order partner, cancel, records, permissions; nothing sent on a bad form."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from partners.connection_test import partner_connection_test
from partners.models import Partner, PartnerCall, PartnerProof
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import SANDBOX_CREDENTIALS, sandbox_config
from partners.services import partner_config_import, partner_credentials_set, partner_status_change
from partners.test_orders import partner_test_order_cancel
from stores.roles import Role
from tests.partners.sandbox.picks import in_stock

pytestmark = pytest.mark.django_db


def url(view: str, *args) -> str:
    return reverse(f"admin:partners_partner_{view}", args=args)


def looked_up(sandbox, name: PartnerName) -> Partner:
    """A partner in testing whose lookups of two stocked items were tested."""
    partner = partner_config_import(
        data=sandbox_config(name), base_url=sandbox.by_name(name).base_url
    )
    partner_credentials_set(partner=partner, values=SANDBOX_CREDENTIALS[name])
    partner = partner_status_change(partner=partner, status=Partner.Status.TESTING)
    for skip in (0, 1):
        _, item = in_stock(sandbox.by_name(name), skip=skip)
        partner_connection_test(partner=partner, operation="lookup", value=item.variant.gtin)
    return Partner.objects.get(pk=partner.pk)


def order_form(response, count: int = 2, **changes) -> dict:
    form = response.context["form"]
    data = {name: field.initial for name, field in form.fields.items() if field.initial}
    data["items"] = [key for key, _ in form.fields["items"].choices][:count]
    data["confirm"] = "on"
    return {**data, **changes}


def test_a_test_order_reaches_the_partner_with_a_test_reference_and_is_recorded(
    merchandiser, sandbox, sandbox_allowed
):
    partner = looked_up(sandbox, PartnerName.THREADLINE)
    page = merchandiser.get(url("test_order", partner.pk))
    assert "will really receive this order" in page.content.decode()

    response = merchandiser.post(url("test_order", partner.pk), order_form(page))

    proof = partner.proofs.get(kind=PartnerProof.Kind.TEST_ORDER)
    (sent,) = proof.detail["orders"]
    order = sandbox.threadline.orders.get(sent["partner_order_id"])
    assert order.reference == proof.value
    assert proof.value.startswith("TEST-THREADLINE-")
    assert [line.sku for line in order.lines] == [
        line["partner_sku"] for line in proof.detail["lines"]
    ]
    assert len(order.lines) == 2
    assert (proof.passed, proof.config_version) == (True, partner.config_version)
    assert proof.created_by == response.wsgi_request.user
    text = response.content.decode()
    assert 'data-testid="test-order-request"' in text
    assert 'data-testid="test-order-raw"' in text
    assert 'data-testid="test-order-canonical"' in text
    assert PartnerCall.objects.filter(partner=partner, operation="place_order").count() == 1
    change = merchandiser.get(url("change", partner.pk)).content.decode()
    assert proof.value in change
    # the answer is kept to check mappings again, without the address and contact typed
    (answer,) = proof.answers
    assert answer["input"]["reference"] == proof.value
    assert "ship_to" not in answer["input"]
    assert "customer" not in answer["input"]


def test_a_one_item_per_order_partner_gets_each_line_as_its_own_order(
    merchandiser, sandbox, sandbox_allowed
):
    partner = looked_up(sandbox, PartnerName.BAYWATER)
    page = merchandiser.get(url("test_order", partner.pk))

    merchandiser.post(url("test_order", partner.pk), order_form(page))

    proof = partner.proofs.get(kind=PartnerProof.Kind.TEST_ORDER)
    references = [sent["reference"] for sent in proof.detail["orders"]]
    assert references == [f"{proof.value}-1", f"{proof.value}-2"]
    orders = [
        sandbox.baywater.orders.get(sent["partner_order_id"]) for sent in proof.detail["orders"]
    ]
    assert [order.reference for order in orders] == references
    assert [len(order.lines) for order in orders] == [1, 1]
    assert proof.passed is True
    assert PartnerCall.objects.filter(partner=partner, operation="place_order").count() == 2


def test_a_test_order_can_be_cancelled(merchandiser, sandbox, sandbox_allowed):
    partner = looked_up(sandbox, PartnerName.THREADLINE)
    merchandiser.post(
        url("test_order", partner.pk), order_form(merchandiser.get(url("test_order", partner.pk)))
    )
    proof = partner.proofs.get(kind=PartnerProof.Kind.TEST_ORDER)
    partner_order_id = proof.detail["orders"][0]["partner_order_id"]

    response = merchandiser.post(
        url("test_order_cancel", partner.pk, proof.pk), {"partner_order_id": partner_order_id}
    )

    assert 'data-testid="test-order-cancelled"' in response.content.decode()
    assert sandbox.threadline.orders.get(partner_order_id).status == "cancelled"
    proof.refresh_from_db()
    assert proof.detail["cancellations"][0]["partner_order_id"] == partner_order_id
    assert proof.detail["cancellations"][0]["status"] == "cancelled"


def test_a_test_order_the_partner_refused_has_no_order_to_cancel(
    merchandiser, sandbox, sandbox_allowed
):
    partner = looked_up(sandbox, PartnerName.THREADLINE)
    Partner.objects.filter(pk=partner.pk).update(base_url="http://127.0.0.1:9")  # refused
    merchandiser.post(
        url("test_order", partner.pk), order_form(merchandiser.get(url("test_order", partner.pk)))
    )
    proof = partner.proofs.get(kind=PartnerProof.Kind.TEST_ORDER)
    assert [order["partner_order_id"] for order in proof.detail["orders"]] == [None]

    with pytest.raises(ValidationError) as refused:
        partner_test_order_cancel(proof=proof, partner_order_id=None, by=None)

    assert refused.value.messages == ["That partner order is not part of this test order."]
    proof.refresh_from_db()
    assert proof.detail["cancellations"] == []
    assert not PartnerCall.objects.filter(partner=partner, operation="cancel_order").exists()


@pytest.mark.parametrize(
    ("count", "changes"),
    [(1, {}), (2, {"confirm": ""}), (2, {"country": "Britain"})],
    ids=["one line", "not confirmed", "bad country"],
)
def test_a_bad_form_sends_and_records_nothing(
    merchandiser, sandbox, sandbox_allowed, count, changes
):
    partner = looked_up(sandbox, PartnerName.THREADLINE)
    page = merchandiser.get(url("test_order", partner.pk))

    response = merchandiser.post(url("test_order", partner.pk), order_form(page, count, **changes))

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not partner.proofs.filter(kind=PartnerProof.Kind.TEST_ORDER).exists()
    assert not PartnerCall.objects.filter(partner=partner, operation="place_order").exists()
    assert sandbox.threadline.orders.counters().order_requests == 0


def test_a_live_partner_gets_no_test_order(merchandiser, proven, sandbox):
    partner = partner_status_change(partner=proven(), status=Partner.Status.LIVE)
    page = merchandiser.get(url("test_order", partner.pk))

    response = merchandiser.post(url("test_order", partner.pk), order_form(page))

    assert 'data-testid="test-order-not-testing"' in response.content.decode()
    assert partner.proofs.filter(kind=PartnerProof.Kind.TEST_ORDER).count() == 1  # proving's


@pytest.mark.parametrize("role", [Role.ASSOCIATE, Role.MANAGER, Role.KIOSK])
def test_only_merchandisers_send_test_orders_or_sign_off(
    client, user_in_role, sandbox, sandbox_allowed, role
):
    partner = looked_up(sandbox, PartnerName.THREADLINE)
    client.force_login(user_in_role(role))

    for view in ("test_order", "sign_off"):
        got = client.get(url(view, partner.pk))
        posted = client.post(url(view, partner.pk), {"reason": "No test mode at this partner."})
        assert got.status_code in {302, 403}, view
        assert posted.status_code in {302, 403}, view
    assert not partner.proofs.exclude(kind=PartnerProof.Kind.CONNECTION_TEST).exists()
    assert not PartnerCall.objects.filter(partner=partner, operation="place_order").exists()


def test_the_sign_off_form_records_who_why_and_the_version(merchandiser, sandbox, sandbox_allowed):
    partner = looked_up(sandbox, PartnerName.THREADLINE)

    empty = merchandiser.post(url("sign_off", partner.pk), {"reason": ""})
    assert empty.status_code == 200
    too_long = merchandiser.post(url("sign_off", partner.pk), {"reason": "No test mode. " * 200})
    assert too_long.context["form"].errors == {
        "reason": ["Ensure this value has at most 2000 characters (it has 2799)."]
    }
    assert not partner.proofs.filter(kind=PartnerProof.Kind.SIGN_OFF).exists()

    response = merchandiser.post(
        url("sign_off", partner.pk), {"reason": "No test mode; agreed with their account team."}
    )

    assert response.status_code == 302
    proof = partner.proofs.get(kind=PartnerProof.Kind.SIGN_OFF)
    assert (proof.reason, proof.config_version, proof.operation) == (
        "No test mode; agreed with their account team.",
        partner.config_version,
        "place_order",
    )
    assert proof.created_by.username == response.wsgi_request.user.username
