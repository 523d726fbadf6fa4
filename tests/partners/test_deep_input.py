"""Deeply nested JSON or XML, from a partner's answer or a configuration file, is a clear error:
a `bad_response` call and a failed Test connection, or a refused import; never a 500."""

from html import unescape

import pytest
from django.core.management import CommandError, call_command

from partners.models import OperationConfig, Partner, PartnerCall
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import SANDBOX_CREDENTIALS, sandbox_config
from partners.services import partner_config_import, partner_credentials_set
from tests.partners.admin_pages import url
from tests.partners.http.local_server import LocalServer, Reply

pytestmark = pytest.mark.django_db

LEVELS = 100_000
DEEP_JSON = "[" * LEVELS + "]" * LEVELS
DEEP_XML = "<a>" * LEVELS + "</a>" * LEVELS
GTIN = "5018144960277"


@pytest.fixture
def partner_answering(settings):
    """A sandbox partner's configuration pointed at a loopback server that answers every
    request with `body` as `content_type`."""
    servers: list[LocalServer] = []

    def start(name: PartnerName, body: str, content_type: str) -> Partner:
        server = LocalServer(
            lambda request: Reply(headers={"Content-Type": content_type}, body=body.encode())
        )
        servers.append(server)
        settings.PARTNER_HOST_ALLOWLIST = [server.netloc]
        partner = partner_config_import(data=sandbox_config(name), base_url=server.base_url)
        partner_credentials_set(partner=partner, values=SANDBOX_CREDENTIALS[name])
        return partner

    yield start
    for server in servers:
        server.stop()


def calls_of(partner: Partner) -> list[tuple]:
    return list(
        PartnerCall.objects.filter(partner=partner)
        .order_by("pk")
        .values_list("operation", "status_code", "outcome", "error")
    )


@pytest.mark.parametrize(
    ("name", "body", "content_type", "summary"),
    [
        (
            PartnerName.THREADLINE,
            DEEP_JSON,
            "application/json",
            "Threadline answered badly: the answer is not valid JSON: the JSON is nested deeper "
            "than 64 levels",
        ),
        (
            PartnerName.HEARTH,
            DEEP_XML,
            "application/xml",
            "Hearth & Home answered badly: the answer is not valid XML: the XML is nested deeper "
            "than 64 levels",
        ),
    ],
    ids=["json", "xml"],
)
def test_a_deeply_nested_answer_fails_the_connection_test_as_a_bad_response(
    merchandiser, partner_answering, name, body, content_type, summary
):
    partner = partner_answering(name, body, content_type)

    response = merchandiser.post(
        url("test_connection", partner.pk), {"operation": "lookup", "value": GTIN}
    )

    assert response.status_code == 200
    result = response.context["result"]
    assert (result.ok, result.summary, result.status) == (False, summary, 200)
    assert f"Failed: {summary}" in unescape(response.content.decode())
    message = summary.split("answered badly: ", 1)[1]
    assert calls_of(partner) == [("lookup", 200, "bad_response", message)]


def assert_no_partner() -> None:
    assert not Partner.objects.exists()
    assert not OperationConfig.objects.exists()


def test_importing_deeply_nested_json_in_the_admin_is_a_form_error(merchandiser):
    response = merchandiser.post(url("import"), {"text": DEEP_JSON})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The configuration is nested deeper than 64 levels."
    ]
    assert "The configuration is nested deeper than 64 levels." in unescape(
        response.content.decode()
    )
    assert_no_partner()


def test_importing_deeply_nested_json_with_the_command_is_a_clean_error(tmp_path):
    source = tmp_path / "deep.json"
    source.write_text(DEEP_JSON)

    with pytest.raises(CommandError) as failed:
        call_command("import_partner", str(source))

    assert str(failed.value) == (
        f"Cannot read {source}: The configuration is nested deeper than 64 levels."
    )
    assert_no_partner()


def test_a_configuration_nested_just_within_the_bound_is_read_as_json(tmp_path):
    """The bound counts levels, not brackets: a file whose deepest value sits at 64 levels is
    parsed (and then refused for what it says, not for its depth)."""
    source = tmp_path / "nested.json"
    source.write_text('{"a": ' + "[" * 63 + "]" * 63 + "}")

    with pytest.raises(CommandError) as failed:
        call_command("import_partner", str(source))

    assert str(failed.value) == (
        "The configuration was not imported:\n"
        'Not a partner configuration file: "format" must be "endless-aisle-partner/1".'
    )
