"""Secret headers: entered in the admin beside the other credentials, stored encrypted,
never shown back, logged or exported (names only). How calls send them (only to the partner's
own origin, never to its token endpoint) is in tests/partners/http/."""

import io
import json
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.management import call_command

from partners.adapters.registry import adapter_for
from partners.config_files import partner_config_export
from partners.crypto import credentials_decrypt
from partners.http.errors import Delivery
from partners.models import Partner, PartnerCall, PartnerCredentials
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import sandbox_config
from partners.services import (
    partner_config_import,
    partner_credentials_set,
    partner_secret_headers_set,
    partner_secret_headers_unset,
)
from tests.partners.admin_pages import change_page_form, url

pytestmark = pytest.mark.django_db

TOKEN = "pt-secret-5521"
OTHER = "pt-other-0927"


@pytest.fixture
def threadline(sandbox) -> Partner:
    return partner_config_import(
        data=sandbox_config(PartnerName.THREADLINE), base_url=sandbox.threadline.base_url
    )


def stored_secrets(partner: Partner) -> dict:
    return credentials_decrypt(PartnerCredentials.objects.get(partner=partner).encrypted)


def page_text(response) -> str:
    return unescape(response.content.decode())


def fresh(partner: Partner) -> Partner:
    """The partner as a call reads it, credentials included."""
    return Partner.objects.get(pk=partner.pk)


# --- Admin ---


def test_the_admin_stores_a_secret_header_encrypted_and_shows_only_its_name(
    merchandiser, threadline
):
    form = change_page_form(threadline) | {"secret_headers": f"X-Partner-Token: {TOKEN}\n"}

    response = merchandiser.post(url("change", threadline.pk), form)

    assert response.status_code == 302
    partner = fresh(threadline)
    assert partner.secret_header_names == ["X-Partner-Token"]
    assert stored_secrets(partner) == {"secret_headers": {"X-Partner-Token": TOKEN}}
    assert TOKEN not in PartnerCredentials.objects.get(partner=partner).encrypted
    assert all(TOKEN not in repr(row) for row in partner.history.values())
    page = page_text(merchandiser.get(url("change", partner.pk)))
    assert "Stored: X-Partner-Token." in page
    assert TOKEN not in page


def test_a_refused_form_does_not_echo_the_secret_header_back(merchandiser, threadline):
    form = change_page_form(threadline) | {
        "secret_headers": f"X-Partner-Token: {TOKEN}",
        "read_timeout_ms": "not a number",
    }

    response = merchandiser.post(url("change", threadline.pk), form)

    assert response.status_code == 200
    assert TOKEN not in page_text(response)
    assert fresh(threadline).secret_header_names == []
    assert not PartnerCredentials.objects.filter(partner=threadline).exists()


def test_a_line_without_a_name_and_value_is_refused_by_its_number_only(merchandiser, threadline):
    form = change_page_form(threadline) | {"secret_headers": f"X-Store: LDN\n{TOKEN}"}

    response = merchandiser.post(url("change", threadline.pk), form)

    assert response.context["adminform"].form.errors == {
        "secret_headers": ["Line 2: write each header as Name: value."]
    }
    assert TOKEN not in page_text(response)
    assert not PartnerCredentials.objects.filter(partner=threadline).exists()


def test_a_client_header_cannot_be_a_secret_header(merchandiser, threadline):
    form = change_page_form(threadline) | {"secret_headers": "Host: evil.example"}

    response = merchandiser.post(url("change", threadline.pk), form)

    assert response.context["adminform"].form.errors == {
        "secret_headers": [
            "Secret header 'Host' is set by the HTTP client and cannot be configured."
        ]
    }
    assert fresh(threadline).secret_header_names == []


def test_a_ticked_secret_header_is_removed(merchandiser, threadline):
    partner_secret_headers_set(
        partner=threadline, values={"X-Partner-Token": TOKEN, "X-Partner-Site": OTHER}
    )
    form = change_page_form(fresh(threadline)) | {"remove_secret_headers": ["X-Partner-Token"]}

    response = merchandiser.post(url("change", threadline.pk), form)

    assert response.status_code == 302
    partner = fresh(threadline)
    assert partner.secret_header_names == ["X-Partner-Site"]
    assert stored_secrets(partner) == {"secret_headers": {"X-Partner-Site": OTHER}}


# --- Services ---


def test_a_new_value_replaces_the_stored_one_whatever_the_case_of_its_name(threadline):
    partner_secret_headers_set(partner=threadline, values={"X-Partner-Token": TOKEN})

    partner_secret_headers_set(partner=threadline, values={"x-partner-token": OTHER})

    assert fresh(threadline).secret_header_names == ["x-partner-token"]
    assert stored_secrets(threadline) == {"secret_headers": {"x-partner-token": OTHER}}


def test_storing_credentials_keeps_the_secret_headers(threadline):
    partner_secret_headers_set(partner=threadline, values={"X-Partner-Token": TOKEN})

    partner_credentials_set(partner=fresh(threadline), values={"api_key": "tl-key-1"})

    assert stored_secrets(threadline) == {
        "api_key": "tl-key-1",
        "secret_headers": {"X-Partner-Token": TOKEN},
    }


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"X Token": TOKEN}, "Secret header 'X Token' is not a valid header name."),
        ({"X-Token": "a\r\nHost: evil"}, "Secret header 'X-Token' needs a value on one line."),
        (
            {f"X-Header-{number}": TOKEN for number in range(11)},
            "A partner can have at most 10 secret headers.",
        ),
    ],
)
def test_bad_secret_headers_are_refused_and_nothing_is_stored(threadline, values, message):
    with pytest.raises(ValidationError) as raised:
        partner_secret_headers_set(partner=threadline, values=values)

    assert raised.value.messages == [message]
    assert fresh(threadline).secret_header_names == []
    assert not PartnerCredentials.objects.filter(partner=threadline).exists()


# --- Export and import ---


def test_export_names_the_secret_headers_without_their_values(threadline):
    partner_secret_headers_set(partner=threadline, values={"X-Partner-Token": TOKEN})

    exported = partner_config_export(fresh(threadline))

    assert exported["partner"]["secret_header_names"] == ["X-Partner-Token"]
    assert TOKEN not in json.dumps(exported)


def test_an_import_lists_the_secret_headers_to_enter_again(merchandiser):
    data = sandbox_config(PartnerName.THREADLINE)
    data["partner"]["secret_header_names"] = ["X-Partner-Token"]

    response = merchandiser.post(url("import"), {"text": json.dumps(data)})

    partner = Partner.objects.get()
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "Imported Threadline (credentials are not imported).",
        "Enter the values of its secret headers: X-Partner-Token.",
        "Enter or generate its webhook secret.",
    ]
    assert partner_secret_headers_unset(partner) == ["X-Partner-Token"]


def test_the_import_command_lists_them_too(tmp_path):
    data = sandbox_config(PartnerName.THREADLINE)
    data["partner"]["secret_header_names"] = ["X-Partner-Token"]
    path = tmp_path / "threadline.json"
    path.write_text(json.dumps(data))
    out = io.StringIO()

    call_command("import_partner", str(path), stdout=out)

    assert out.getvalue().splitlines()[1:] == [
        "Enter the values of its secret headers in the admin: X-Partner-Token.",
        "Enter or generate its webhook secret in the admin.",
    ]


def test_an_import_with_unusable_secret_header_names_is_refused():
    data = sandbox_config(PartnerName.THREADLINE)
    data["partner"]["secret_header_names"] = ["X-Token", "x-token"]

    with pytest.raises(ValidationError) as raised:
        partner_config_import(data=data)

    assert raised.value.messages == [
        "partner · secret_header_names: A header name is listed twice."
    ]
    assert not Partner.objects.exists()


# --- Calls ---


def test_a_request_mapping_that_produces_a_secret_header_sends_nothing(onboarded, fresh_sandbox):
    partner = onboarded["threadline"]
    config = partner.operations.get(operation="lookup")
    config.request_mapping = '{"headers": {"X-Api-Key": "tl-literal-key"}}'
    config.save()

    trace = adapter_for(fresh(partner)).trace("lookup", {"code": "5018144960277"})

    assert trace.error.delivery == Delivery.NOT_SENT
    assert "headers.X-Api-Key: looks like it carries a secret" in str(trace.error)
    assert "tl-literal-key" not in str(trace.error)
    assert not PartnerCall.objects.filter(partner=partner).exists()
