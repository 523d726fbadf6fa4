"""Export files diff cleanly: LF line endings (inside values too), keys sorted at every level, a
final newline; the admin download, the command's stdout and its file are the same bytes."""

import pytest
from django.core.management import call_command

from partners.models import OperationConfig, Partner
from stores.roles import Role
from tests.partners.admin_pages import change_page_form, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(db) -> Partner:
    partner = Partner.objects.create(
        name="Loomhouse",
        slug="loomhouse",
        base_url="https://api.loomhouse.example",
        categories=["apparel"],
        auth_type=Partner.AuthType.API_KEY_QUERY,
        api_key_name="key",
    )
    OperationConfig.objects.create(
        partner=partner,
        operation="lookup",
        path_template="/v1/items/{code}",
        # As a browser posts a textarea, and headers in an order that is not sorted.
        headers={"X-Zone": "eu", "Accept": "application/json"},
        response_mapping='{\r\n  "name": body.title\r\n}',
        accepted_statuses=[404],
    )
    return partner


EXPECTED = b"""{
  "config_version": 1,
  "format": "endless-aisle-partner/1",
  "operations": [
    {
      "accepted_statuses": [
        404
      ],
      "body_format": "json",
      "headers": {
        "Accept": "application/json",
        "X-Zone": "eu"
      },
      "method": "GET",
      "operation": "lookup",
      "path_template": "/v1/items/{code}",
      "request_mapping": "",
      "response_mapping": "{\\n  \\"name\\": body.title\\n}"
    }
  ],
  "partner": {
    "adapter": "declarative",
    "api_key_name": "key",
    "auth_type": "api_key_query",
    "base_url": "https://api.loomhouse.example",
    "categories": [
      "apparel"
    ],
    "connect_timeout_ms": 1000,
    "contact_email": "",
    "deduplication": "idempotency_key_header",
    "hmac_header_name": "X-Signature",
    "hmac_signed_parts": "method,path,timestamp,body",
    "idempotency_header_name": "Idempotency-Key",
    "lookup_kind": "product",
    "max_concurrent_requests": 8,
    "max_response_kb": 2048,
    "name": "Loomhouse",
    "oauth_scope": "",
    "oauth_token_url": "",
    "one_item_per_order": false,
    "priority": 100,
    "read_attempts": 3,
    "read_timeout_ms": 3000,
    "secret_header_names": [],
    "shipping_amount": null,
    "shipping_currency": "",
    "shipping_free_above": null,
    "shipping_rule": "",
    "ships_to": [],
    "slug": "loomhouse",
    "status_delivery": "",
    "status_poll_interval_seconds": 900,
    "webhook_replay_window_seconds": 300,
    "webhook_signature_header": "X-Signature",
    "webhook_signature_scheme": "body",
    "webhook_timestamp_header": "X-Timestamp"
  }
}
"""


def test_the_admin_export_is_exactly_the_expected_bytes(client, user_in_role, partner):
    client.force_login(user_in_role(Role.MERCHANDISER, stores=[]))

    response = client.get(url("export", partner.pk))

    assert response.status_code == 200
    assert response.content == EXPECTED
    assert b"\r" not in response.content


def test_the_command_writes_the_same_bytes_to_a_file_and_to_stdout(partner, tmp_path, capsys):
    target = tmp_path / "loomhouse.json"

    call_command("export_partner", "loomhouse", "--output", str(target))
    call_command("export_partner", "loomhouse")

    assert target.read_bytes() == EXPECTED
    assert capsys.readouterr().out.encode() == EXPECTED


def test_a_mapping_saved_from_the_admin_is_stored_with_lf(client, user_in_role, partner):
    # Given the lookup's mapping posted from the change page with CRLF line endings
    client.force_login(user_in_role(Role.MERCHANDISER, stores=[]))
    form = change_page_form(partner, lookup='{\r\n  "name": body.name\r\n}')

    response = client.post(url("change", partner.pk), form)

    # Then it is stored with LF only
    assert response.status_code == 302
    assert partner.operations.get().response_mapping == '{\n  "name": body.name\n}'
