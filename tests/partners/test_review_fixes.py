"""Edge cases found in review: each was a way to a 500, a gap in a check, or a silent failure."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

import partners.test_orders as orders  # its test_* helpers are not tests
from partners.adapters import registry
from partners.adapters.declarative import PartnerMappingError
from partners.config_files import PARTNER_FIELDS
from partners.connection_test import partner_connection_test
from partners.crypto import credentials_decrypt
from partners.facts import ShippingRule, StatusDelivery
from partners.forms import PartnerAdminForm
from partners.mapping import (
    Address,
    ConfirmationLine,
    Contact,
    OrderConfirmation,
    Product,
    Variant,
)
from partners.models import OperationConfig, Partner, PartnerCall, PartnerCredentials
from partners.operations import Operation
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import sandbox_config
from partners.services import (
    partner_config_import,
    partner_credentials_set,
    partner_go_live_problems,
    partner_status_change,
)
from partners.test_orders import TEST_ADDRESS, partner_test_order_send
from partners.validation import operation_config_problems
from partners.webhook_secrets import partner_webhook_secret_set
from stores.roles import Role
from tests.factories import PartnerFactory
from tests.partners.admin_pages import change_page_form, url
from tests.partners.test_adapter_registry import FixedCatalogueAdapter


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "problem"),
    [
        ({"X-A": "a\r\nX-Injected: 1"}, "headers.X-A: must not contain line breaks"),
        ({"Bad Header": "x"}, "headers.Bad Header: is not a valid header name"),
        ({"Host": "evil.example"}, "headers.Host: is set by the HTTP client and cannot be mapped"),
    ],
)
def test_fixed_headers_get_the_same_checks_as_mapped_ones(headers, problem):
    config = OperationConfig(
        operation=Operation.LOOKUP, path_template="/x", headers=headers, response_mapping="body"
    )

    assert operation_config_problems(config) == [f"Look up by code · {problem}"]


@pytest.mark.django_db
def test_an_oauth2_partner_without_a_token_url_is_not_imported():
    data = sandbox_config(PartnerName.STRIDEWELL)
    data["partner"]["oauth_token_url"] = ""

    with pytest.raises(ValidationError) as refused:
        partner_config_import(data=data)

    assert refused.value.messages == ["partner · oauth_token_url: OAuth2 needs the token endpoint."]
    assert not Partner.objects.exists()


@pytest.mark.django_db
def test_a_token_url_starting_with_two_slashes_is_refused():
    partner = PartnerFactory.build(
        auth_type=Partner.AuthType.OAUTH2_CLIENT_CREDENTIALS, oauth_token_url="//evil.example/t"
    )

    with pytest.raises(ValidationError) as refused:
        partner.full_clean()

    assert refused.value.message_dict == {
        "oauth_token_url": ["Give a full URL (https://…) or a path starting with a single /."]
    }


@pytest.mark.django_db
def test_lost_keys_show_unreadable_and_new_credentials_replace_the_set(settings):
    partner = PartnerFactory(auth_type=Partner.AuthType.BASIC, credentials={"username": "u"})
    settings.PARTNER_CREDENTIAL_KEYS = ["J2n5bXGx9vbr1fOg0S4M6kJ9R3KCxDqXgT3k2cR7Xyk="]

    form = PartnerAdminForm(instance=partner)
    partner_credentials_set(partner=partner, values={"username": "new", "password": "pw"})

    assert form.fields["secret_password"].help_text == (
        "Unreadable with the current keys: enter it again."
    )
    stored = PartnerCredentials.objects.get(partner=partner).encrypted
    assert credentials_decrypt(stored) == {"username": "new", "password": "pw"}


class FixedCatalogueOrdersAdapter(FixedCatalogueAdapter):
    """A partner reached by code that carries one product in two sizes and takes orders."""

    def supports(self, operation):
        return operation in (Operation.LOOKUP, Operation.PLACE_ORDER)

    def lookup(self, code, quantity=1):
        self.new_work_check(Operation.LOOKUP)
        sizes = [("FX-1-S", "5012345678917", "S"), ("FX-1-M", "5012345678924", "M")]
        variants = tuple(
            Variant(partner_sku=sku, gtin=gtin, attributes={"size": size}, cost=Decimal("9.50"),
                    currency="GBP", available_quantity=5)
            for sku, gtin, size in sizes
        )  # fmt: skip
        return Product(partner_product_id="FX-1", name="Fixed", variants=variants)

    def place_order(self, order, *, resend=False):
        if not resend:
            self.new_work_check(Operation.PLACE_ORDER)
        lines = tuple(
            ConfirmationLine(partner_sku=line.partner_sku, accepted=True) for line in order.lines
        )
        return OrderConfirmation(partner_order_id="FX-ORDER-1", status="accepted", lines=lines)


def partner_facts_set(partner: Partner) -> None:
    """What the order pipeline needs besides proofs: countries, shipping rule, webhook secret."""
    partner.ships_to = ["GB"]
    partner.shipping_rule = ShippingRule.FREE
    partner.status_delivery = StatusDelivery.WEBHOOK
    partner.save()
    partner_webhook_secret_set(partner=partner, secret="fixed-webhook-secret-31")


@pytest.mark.django_db
def test_a_code_adapter_partner_is_asked_only_for_what_its_adapter_supports(monkeypatch):
    monkeypatch.setitem(registry._ADAPTERS, "fixed-catalogue", FixedCatalogueAdapter)
    partner = PartnerFactory(adapter="fixed-catalogue", status=Partner.Status.TESTING)
    partner_facts_set(partner)

    assert partner_go_live_problems(partner) == [
        "Place order: not supported by the fixed-catalogue adapter",
        "Look up by code: no Test connection yet",
    ]


@pytest.mark.django_db
def test_a_code_adapter_partner_proven_on_what_it_supports_goes_live(monkeypatch):
    # Given a code-adapter partner with its facts, a passing lookup test and a test order
    monkeypatch.setitem(registry._ADAPTERS, "fixed-orders", FixedCatalogueOrdersAdapter)
    partner = PartnerFactory(adapter="fixed-orders", status=Partner.Status.TESTING)
    partner_facts_set(partner)
    partner.refresh_from_db()
    tested = partner_connection_test(
        partner=partner, operation=Operation.LOOKUP, value="5012345678900"
    )
    lines = [
        orders.test_order_line(item, 1) for item in orders.test_order_item_choices(partner).values()
    ]
    contact = Contact(name=TEST_ADDRESS["name"], email=TEST_ADDRESS["email"])
    address = Address(**{key: value for key, value in TEST_ADDRESS.items() if key != "email"})
    proof, _ = partner_test_order_send(
        partner=partner, order=orders.test_order_new(partner, lines, address, contact), by=None
    )
    assert (tested.ok, len(lines), proof.passed) == (True, 2, True)

    # When it goes live
    partner_status_change(partner=partner, status=Partner.Status.LIVE)

    # Then it is live on the version it was proven on
    partner.refresh_from_db()
    assert (partner.status, proof.config_version) == (Partner.Status.LIVE, partner.config_version)


@pytest.mark.django_db
@pytest.mark.parametrize("code", [".", ".."])
def test_a_dot_path_value_is_refused_before_any_call(onboarded, code):
    adapter = registry.adapter_for(onboarded["threadline"])

    with pytest.raises(PartnerMappingError, match=r"A path value cannot be \. or \.\."):
        adapter.lookup(code)

    assert not PartnerCall.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes",
    [{"auth_type": ["hmac"]}, {"auth_type": "hmac", "hmac_signed_parts": None}],
)
def test_import_with_values_of_the_wrong_type_is_refused_not_a_crash(changes):
    data = sandbox_config(PartnerName.THREADLINE)
    data["partner"] |= changes

    with pytest.raises(ValidationError):
        partner_config_import(data=data)

    assert not Partner.objects.exists()


@pytest.mark.django_db
def test_a_live_partner_cannot_switch_to_an_adapter_that_cannot_place_orders(
    client, user_in_role, onboarded, monkeypatch
):
    monkeypatch.setitem(registry._ADAPTERS, "fixed-catalogue", FixedCatalogueAdapter)
    partner = onboarded["threadline"]
    client.force_login(user_in_role(Role.MERCHANDISER, stores=[]))
    data = change_page_form(partner, delete=["lookup", "place_order"]) | {
        "adapter": "fixed-catalogue"
    }

    response = client.post(url("change", partner.pk), data)

    partner.refresh_from_db()
    assert response.status_code == 200
    assert "Place order: not supported by the fixed-catalogue adapter" in response.content.decode()
    assert (partner.adapter, partner.operations.count()) == ("declarative", 6)


@pytest.mark.django_db
def test_the_history_page_offers_no_revert_and_a_bad_id_is_not_found(
    client, user_in_role, onboarded
):
    partner = onboarded["threadline"]
    client.force_login(user_in_role(Role.MERCHANDISER, stores=[]))
    record = partner.history.earliest("history_date")

    page = client.get(
        reverse("admin:partners_partner_simple_history", args=[partner.pk, record.history_id])
    )
    bad_id = client.get("/admin/partners/partner/abc/change/")

    assert page.status_code == 200
    assert 'value="Revert' not in page.content.decode()
    assert bad_id.status_code in {302, 404}


@pytest.mark.django_db
def test_lost_keys_mean_every_secret_must_be_entered_again(settings):
    partner = PartnerFactory(
        auth_type=Partner.AuthType.BASIC, credentials={"username": "u", "password": "p"}
    )
    settings.PARTNER_CREDENTIAL_KEYS = ["J2n5bXGx9vbr1fOg0S4M6kJ9R3KCxDqXgT3k2cR7Xyk="]
    data = {field: getattr(partner, field) for field in PARTNER_FIELDS}
    data |= {"categories": "[]", "secret_password": "new-password"}

    form = PartnerAdminForm(data, instance=partner)

    assert form.is_valid() is False
    assert form.errors["secret_username"] == ["The stored secrets are unreadable: enter all."]
