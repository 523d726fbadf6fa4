"""Every error says whether the request may have reached the partner, decided from what the
attempt wrote: NOT_SENT (provably never sent), UNKNOWN (written, no complete answer) or
ANSWERED (the partner sent a whole HTTP answer). The order pipeline resends NOT_SENT orders
and sends UNKNOWN ones of partners that cannot recognise a repeat to review."""

from dataclasses import replace

import pytest

from partners.http.client import PartnerHttpClient
from partners.http.errors import (
    CircuitOpen,
    Delivery,
    PartnerAuthFailed,
    PartnerTimeout,
    PartnerUnavailable,
    UnsafeDestination,
)
from partners.models import Partner, PartnerCall
from tests.partners.http.helpers import ORDER, free_port, order_send, sandbox_order_send
from tests.partners.http.local_server import Reply

pytestmark = pytest.mark.django_db


def deliveries() -> list[tuple[str, str]]:
    return list(PartnerCall.objects.order_by("pk").values_list("outcome", "delivery"))


def test_a_refused_connection_was_never_sent(client, allow, make_connection):
    port = free_port()
    allow(f"http://127.0.0.1:{port}")

    with pytest.raises(PartnerUnavailable) as raised:
        order_send(client, make_connection(f"http://127.0.0.1:{port}"))

    assert raised.value.delivery == Delivery.NOT_SENT
    assert deliveries() == [("unavailable", "not_sent")]


def test_a_name_that_does_not_resolve_was_never_sent(client, settings, make_connection):
    settings.PARTNER_HOST_ALLOWLIST = ["partner.invalid"]  # the reserved TLD never resolves

    with pytest.raises(PartnerUnavailable) as raised:
        order_send(client, make_connection("http://partner.invalid"))

    assert raised.value.message == "The partner's host name does not resolve."
    assert raised.value.delivery == Delivery.NOT_SENT
    assert deliveries() == [("unavailable", "not_sent")]


def test_a_failed_tls_handshake_was_never_sent(serve, allow, make_connection, certificates):
    server = serve(lambda request: Reply(200), tls=certificates.server_context([]))
    allow(server.base_url)
    client = PartnerHttpClient(ca_certs=str(certificates.ca_path))  # cert says localhost

    with pytest.raises(PartnerUnavailable) as raised:
        order_send(client, make_connection(server.base_url))

    assert raised.value.delivery == Delivery.NOT_SENT
    assert server.received == []
    assert deliveries() == [("unavailable", "not_sent")]


def test_a_refusal_by_the_ssrf_guard_was_never_sent(client, settings, make_connection):
    settings.PARTNER_HOST_ALLOWLIST = []

    with pytest.raises(UnsafeDestination) as raised:
        order_send(client, make_connection("http://127.0.0.1:9"))

    assert raised.value.delivery == Delivery.NOT_SENT
    assert deliveries() == [("refused", "not_sent")]


def test_an_open_circuit_was_never_sent(breaking_client, serve, allow, make_connection):
    server = serve(lambda request: Reply(503))
    allow(server.base_url)
    connection = make_connection(server.base_url)
    for _ in range(2):
        with pytest.raises(PartnerUnavailable):
            order_send(breaking_client, connection)

    with pytest.raises(CircuitOpen) as raised:
        order_send(breaking_client, connection)

    assert raised.value.delivery == Delivery.NOT_SENT
    assert len(server.received) == 2
    assert deliveries() == [
        ("unavailable", "answered"),
        ("unavailable", "answered"),
        ("circuit_open", "not_sent"),
    ]


def test_missing_credentials_were_never_sent(client, serve, allow, make_connection):
    server = serve(lambda request: Reply(200))
    allow(server.base_url)
    connection = make_connection(
        server.base_url, auth_type=Partner.AuthType.API_KEY_HEADER, api_key_name="X-Api-Key"
    )

    with pytest.raises(PartnerAuthFailed) as raised:
        order_send(client, connection)

    assert raised.value.delivery == Delivery.NOT_SENT
    assert server.received == []
    assert deliveries() == [("auth_failed", "not_sent")]


def test_a_read_timeout_after_the_order_was_sent_is_unknown(client, threadline, fresh_sandbox):
    """The sandbox keeps the order and answers after 2 s; we stop waiting after 200 ms."""
    fresh_sandbox.threadline.faults_set("timeout", count=1, timeout_seconds=2)

    with pytest.raises(PartnerTimeout) as raised:
        sandbox_order_send(client, replace(threadline, read_timeout_ms=200), fresh_sandbox)

    assert raised.value.delivery == Delivery.UNKNOWN
    counters = fresh_sandbox.threadline.counters()
    assert (counters.order_requests, counters.orders_created) == (1, 1)
    assert deliveries() == [("timeout", "unknown")]


def test_a_connection_broken_after_the_order_was_read_is_unknown(
    client, raw_serve, allow, make_connection
):
    server = raw_serve(lambda connection, request: None)  # reads the order, hangs up
    allow(server.base_url)

    with pytest.raises(PartnerUnavailable) as raised:
        order_send(client, make_connection(server.base_url))

    assert raised.value.message == "The connection broke before the answer was complete."
    assert raised.value.delivery == Delivery.UNKNOWN
    assert server.requests[0].endswith(ORDER)
    assert deliveries() == [("unavailable", "unknown")]


def test_an_answer_cut_short_is_unknown_though_its_status_arrived(
    client, raw_serve, allow, make_connection
):
    head = b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n"
    server = raw_serve(lambda connection, request: connection.sendall(head + b'{"order_id": '))
    allow(server.base_url)

    with pytest.raises(PartnerUnavailable) as raised:
        order_send(client, make_connection(server.base_url))

    assert (raised.value.status_code, raised.value.delivery) == (201, Delivery.UNKNOWN)
    assert deliveries() == [("unavailable", "unknown")]


@pytest.mark.parametrize(("status", "outcome"), [(503, "unavailable"), (422, "http_error")])
def test_an_error_status_is_an_answer(client, serve, allow, make_connection, status, outcome):
    server = serve(lambda request: Reply(status))
    allow(server.base_url)

    with pytest.raises(Exception) as raised:
        order_send(client, make_connection(server.base_url))

    assert raised.value.delivery == Delivery.ANSWERED
    assert deliveries() == [(outcome, "answered")]


def test_a_successful_call_is_logged_as_answered(client, serve, allow, make_connection):
    server = serve(lambda request: Reply(201))
    allow(server.base_url)

    order_send(client, make_connection(server.base_url))

    assert deliveries() == [("ok", "answered")]


def test_each_write_goes_out_on_a_fresh_connection_and_reads_keep_theirs_alive(
    client, serve, allow, make_connection, outbound_connections
):
    """A kept-alive connection the partner closed while idle would fail on first use: for a
    write that would look like an unknown outcome though nothing left."""
    server = serve(lambda request: Reply(200))
    allow(server.base_url)
    connection = make_connection(server.base_url)

    for _ in range(2):
        client.send(connection, operation="lookup", method="GET", path="/x", idempotent=True)
    for _ in range(2):
        order_send(client, connection)

    assert [request.method for request in server.received] == ["GET", "GET", "POST", "POST"]
    assert outbound_connections == [("127.0.0.1", server.port)] * 3
