"""What every request gets regardless of partner: identification, TLS verification against
the partner's name, a call log without query strings, connections that hide their secrets."""

import json
import logging

import pytest

from partners.http.call_log import call_outcome_set
from partners.http.client import PartnerHttpClient, partner_http_client
from partners.http.connection import connection_for
from partners.http.errors import PartnerCallError, PartnerUnavailable
from partners.models import Partner, PartnerCall
from tests.factories import PartnerFactory
from tests.partners.http.helpers import assert_no_secrets, calls_recorded, capture_all_logs
from tests.partners.http.local_server import Reply

pytestmark = pytest.mark.django_db

SECRETS = {"client_id": "ea-client-3f0a", "client_secret": "ea-secret-77c2d1"}


def test_connection_for_decrypts_the_stored_credentials():
    partner = PartnerFactory(
        slug="acme",
        auth_type=Partner.AuthType.OAUTH2_CLIENT_CREDENTIALS,
        credentials=SECRETS,
        read_timeout_ms=1500,
    )

    connection = connection_for(partner)

    assert connection.credentials == SECRETS
    assert (connection.partner_id, connection.slug, connection.read_timeout_ms) == (
        partner.pk,
        "acme",
        1500,
    )


def test_connection_without_stored_credentials_has_none():
    assert connection_for(PartnerFactory()).credentials == {}


def test_connection_repr_hides_the_credentials():
    connection = connection_for(PartnerFactory(credentials=SECRETS))

    shown = f"{connection!r} {connection}"

    assert "credentials" not in shown
    assert all(secret not in shown for secret in SECRETS.values())


def test_requests_identify_us_and_keep_the_partner_host(client, serve, allow, make_connection):
    server = serve(lambda request: Reply(200))
    allow(server.base_url)
    connection = make_connection(f"{server.base_url}/api/")

    client.send(
        connection,
        operation="lookup",
        method="GET",
        path="/items/A 1",
        headers={"Accept": "application/json"},
        idempotent=True,
    )

    (received,) = server.received
    assert received.target == "/api/items/A%201"
    assert received.headers["User-Agent"] == "EndlessAisle/1.0"
    assert received.headers["Host"] == server.netloc
    assert received.headers["Accept"] == "application/json"


def test_the_call_log_keeps_neither_query_nor_body(client, serve, allow, make_connection, caplog):
    server = serve(lambda request: Reply(200, body=b'{"customer": "Ada Lovelace"}'))
    allow(server.base_url)
    connection = make_connection(server.base_url, slug="kiosk-partner")
    capture_all_logs(caplog)

    response = client.send(
        connection,
        operation="search",
        method="POST",
        path="/search",
        query={"q": "Ada Lovelace"},
        body=json.dumps({"email": "ada@example.com"}).encode(),
        idempotent=True,
    )

    assert response.status == 200
    assert calls_recorded() == [("search", 200, "ok", 1)]
    (line,) = [record for record in caplog.records if record.name == "partners.http"]
    assert line.levelno == logging.INFO
    assert line.getMessage().startswith("partner kiosk-partner search attempt 1: ok, status 200, ")
    assert_no_secrets(caplog, "Ada", "Lovelace", "ada@example.com")


def test_a_query_string_in_the_path_is_a_programming_error(client, make_connection):
    connection = make_connection("http://partner.example")

    with pytest.raises(ValueError, match="query"):
        client.send(connection, operation="lookup", method="GET", path="/x?y=1", idempotent=True)

    assert calls_recorded() == []


def test_one_shared_client_per_process():
    assert partner_http_client() is partner_http_client()


def test_tls_is_verified_for_the_name_while_connecting_to_the_checked_address(
    serve, settings, make_connection, certificates, outbound_connections
):
    """The certificate is for `localhost`; the socket goes to the pinned 127.0.0.1."""
    sni_names: list[str | None] = []
    server = serve(lambda request: Reply(200), tls=certificates.server_context(sni_names))
    settings.PARTNER_HOST_ALLOWLIST = [f"localhost:{server.port}"]
    client = PartnerHttpClient(ca_certs=str(certificates.ca_path))
    connection = make_connection(f"https://localhost:{server.port}")

    response = client.send(connection, operation="lookup", method="GET", path="/x", idempotent=True)

    assert response.status == 200
    assert sni_names == ["localhost"]
    assert outbound_connections == [("127.0.0.1", server.port)]
    assert server.received[0].headers["Host"] == f"localhost:{server.port}"


def test_tls_certificate_for_another_name_is_refused(serve, allow, make_connection, certificates):
    server = serve(lambda request: Reply(200), tls=certificates.server_context([]))
    allow(server.base_url)
    client = PartnerHttpClient(ca_certs=str(certificates.ca_path), sleep=pytest.fail)
    connection = make_connection(server.base_url)  # https://127.0.0.1:port, cert says localhost

    with pytest.raises(PartnerUnavailable) as raised:
        client.send(connection, operation="lookup", method="GET", path="/x", idempotent=True)

    assert raised.value.message.startswith("The TLS connection failed")
    assert server.received == []
    assert calls_recorded() == [("lookup", None, "unavailable", 1)]


def test_tls_certificate_from_an_unknown_ca_is_refused(
    serve, settings, make_connection, certificates
):
    server = serve(lambda request: Reply(200), tls=certificates.server_context([]))
    settings.PARTNER_HOST_ALLOWLIST = [f"localhost:{server.port}"]
    client = PartnerHttpClient(sleep=pytest.fail)  # the certifi bundle does not know our CA
    connection = make_connection(f"https://localhost:{server.port}")

    with pytest.raises(PartnerUnavailable):
        client.send(connection, operation="lookup", method="GET", path="/x", idempotent=True)

    assert server.received == []


def test_connections_are_kept_alive_and_reused(
    client, serve, allow, make_connection, outbound_connections
):
    server = serve(lambda request: Reply(200))
    allow(server.base_url)
    connection = make_connection(server.base_url)

    for _ in range(3):
        client.send(connection, operation="lookup", method="GET", path="/x", idempotent=True)

    assert len(server.received) == 3
    assert outbound_connections == [("127.0.0.1", server.port)]


def test_a_response_repr_shows_neither_headers_nor_body(client, serve, allow, make_connection):
    server = serve(lambda request: Reply(200, {"X-Customer": "Ada"}, b'{"name": "Ada"}'))
    allow(server.base_url)

    response = client.send(
        make_connection(server.base_url),
        operation="lookup",
        method="GET",
        path="/x",
        idempotent=True,
    )

    assert response.body == b'{"name": "Ada"}'
    assert "Ada" not in repr(response)


def test_each_error_type_maps_to_its_own_call_outcome():
    outcomes = {
        error.__name__: error.outcome
        for error in PartnerCallError.__subclasses__()
        if error.__module__ == "partners.http.errors"  # callers add types of their own
    }

    assert outcomes == {
        "PartnerTimeout": "timeout",
        "PartnerUnavailable": "unavailable",
        "PartnerRateLimited": "rate_limited",
        "PartnerAuthFailed": "auth_failed",
        "PartnerHttpError": "http_error",
        "PartnerResponseTooLarge": "too_large",
        "PartnerBadResponse": "bad_response",
        "CircuitOpen": "circuit_open",
        "UnsafeDestination": "refused",
    }


def test_the_caller_can_correct_the_outcome_once_it_has_read_the_body(
    client, serve, allow, make_connection
):
    server = serve(lambda request: Reply(200, {"Content-Type": "text/html"}, b"<html>"))
    allow(server.base_url)
    response = client.send(
        make_connection(server.base_url),
        operation="lookup",
        method="GET",
        path="/x",
        idempotent=True,
    )

    call_outcome_set(response, PartnerCall.Outcome.BAD_RESPONSE, "expected JSON, got text/html")

    call = PartnerCall.objects.get()
    assert call.pk == response.call_row.pk
    assert (call.outcome, call.error) == ("bad_response", "expected JSON, got text/html")
