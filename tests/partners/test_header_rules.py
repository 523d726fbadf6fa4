"""Header names that carry secrets are refused where configuration is stored in plain text and
kept in history: fixed headers (admin and import) and request mappings."""

import pytest
from django.core.exceptions import ValidationError

from partners.header_rules import PLAIN_TEXT_HEADER_REFUSAL, secret_header_name
from partners.mapping import ShapeError, validate_request
from partners.models import OperationConfig, Partner
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import sandbox_config
from partners.services import partner_config_import
from stores.roles import Role
from tests.partners.admin_pages import change_page_form, url


@pytest.mark.parametrize(
    "name",
    [
        "Authorization",
        "proxy-authorization",
        "Cookie",
        "X-Api-Key",
        "x-apikey",
        "API_KEY",
        "Ocp-Apim-Subscription-Key",
        "X-Key",
        "X-Auth-Token",
        "Token",
        "X-Client-Secret",
        "X-Password",
        "X-Partner-Passwd",
        "X-Signature",
        "X-Auth",
        "X-Auth-User",
        "X-Credentials",
    ],
)
def test_names_that_carry_secrets(name):
    assert secret_header_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "Accept",
        "Accept-Language",
        "Content-Type",
        "X-Store-Id",
        "X-Request-Ref",
        "Idempotency-Key",
        "X-Idempotency-Key",
        "X-Correlation-Id",
        "X-Author",
        "Keyword",
    ],
)
def test_names_that_do_not(name):
    assert not secret_header_name(name)


def test_a_request_mapping_cannot_produce_a_secret_header_and_the_value_is_not_echoed():
    with pytest.raises(ShapeError) as raised:
        validate_request("lookup", {"headers": {"X-Api-Key": "tl-live-key-9d31", "Accept": "x"}})

    (problem,) = raised.value.problems
    assert (problem.path, problem.message, problem.value) == (
        "headers.X-Api-Key",
        PLAIN_TEXT_HEADER_REFUSAL,
        '"X-Api-Key"',
    )
    assert "tl-live-key-9d31" not in str(raised.value)


@pytest.mark.django_db
def test_an_import_with_a_secret_fixed_header_is_refused_and_writes_nothing():
    data = sandbox_config(PartnerName.THREADLINE)
    data["operations"][0]["headers"] = {"Accept": "application/json", "Authorization": "Bearer x"}

    with pytest.raises(ValidationError) as raised:
        partner_config_import(data=data)

    assert raised.value.messages == [
        f"Look up by code · headers.Authorization: {PLAIN_TEXT_HEADER_REFUSAL}"
    ]
    assert not Partner.objects.exists()
    assert not OperationConfig.objects.exists()


@pytest.mark.django_db
def test_the_admin_refuses_a_secret_fixed_header_and_saves_nothing(client, user_in_role, sandbox):
    client.force_login(user_in_role(Role.MERCHANDISER, stores=[]))
    partner = partner_config_import(
        data=sandbox_config(PartnerName.THREADLINE), base_url=sandbox.threadline.base_url
    )
    lookup_index = [config.operation for config in partner.operations.order_by("pk")].index(
        "lookup"
    )
    form = change_page_form(partner) | {
        f"operations-{lookup_index}-headers": '{"X-Api-Key": "tl-live-key-9d31"}'
    }

    response = client.post(url("change", partner.pk), form)

    assert response.status_code == 200
    (inline,) = response.context["inline_admin_formsets"]
    assert inline.formset.forms[lookup_index].non_field_errors() == [
        f"Look up by code · headers.X-Api-Key: {PLAIN_TEXT_HEADER_REFUSAL}"
    ]
    assert partner.operations.get(operation="lookup").headers == {"Accept": "application/json"}
    assert partner.operations.get(operation="lookup").history.count() == 1
