"""A call's deadline is a deadline: one per attempt over everything the attempt does (token,
slot, DNS, connect, TLS, headers, body), one per operation over all attempts and waits.

Partners here trickle a byte every 0.1 s, which restarts urllib3's socket timeouts on every
byte, for up to 30 s. Each test asserts only an upper bound far above the configured deadline
(SLACK_SECONDS more), never a tight timing: a client that waited for the partner instead of
its deadline takes the partner's 30 s and fails the bound on any machine. Nor do they assert
how far the partner got before the deadline (a status line, part of a body): on a busy machine
its thread may not have run yet."""

import socket
import threading
import time

import pytest

from partners.http.errors import (
    Delivery,
    PartnerCallError,
    PartnerRateLimited,
    PartnerTimeout,
)
from partners.models import PartnerCall
from tests.conftest import wait_for
from tests.partners.http.helpers import OAUTH2_PARTNER, calls_recorded
from tests.partners.http.local_server import Reply
from tests.partners.http.raw_server import GIVE_UP_SECONDS

pytestmark = pytest.mark.django_db

SLACK_SECONDS = 10.0
# 1 s to connect + 1 s to read: each attempt's deadline is 2 s from its start.
FAST = {"connect_timeout_ms": 1_000, "read_timeout_ms": 1_000}
ATTEMPT_SECONDS = 2.0
HEADERS_BEGUN = b"HTTP/1.1 200 OK\r\nX-Slow: "


def lookup(client, connection, **options):
    options.setdefault("idempotent", True)
    return client.send(connection, operation="lookup", method="GET", path="/items/1", **options)


def outcomes() -> list[tuple[str, str, int]]:
    """(outcome, delivery, attempt) of every PartnerCall row, oldest first."""
    return list(PartnerCall.objects.order_by("pk").values_list("outcome", "delivery", "attempt"))


def timed(call) -> tuple[BaseException, float]:
    """The error `call()` raised and the seconds it took."""
    started = time.monotonic()
    with pytest.raises(Exception) as raised:
        call()
    return raised.value, time.monotonic() - started


def trickling(raw_serve, prefix: bytes = HEADERS_BEGUN, drip: bytes = b"x", **options):
    """A RawServer that answers every connection with `prefix`, then `drip` every 0.1 s."""
    server = raw_serve(
        lambda connection, request: server.trickle(connection, prefix, drip), **options
    )
    return server


def test_headers_trickled_a_byte_at_a_time_end_at_the_attempts_deadline(
    client, raw_serve, allow, make_connection
):
    server = trickling(raw_serve)
    allow(server.base_url)
    connection = make_connection(server.base_url, read_attempts=1, **FAST)

    error, seconds = timed(lambda: lookup(client, connection))

    assert isinstance(error, PartnerTimeout)
    assert error.message.startswith("No complete answer before the attempt's deadline")
    assert error.delivery == Delivery.UNKNOWN  # the request was sent; no answer came
    assert seconds < ATTEMPT_SECONDS + SLACK_SECONDS
    assert len(server.requests) == 1
    assert outcomes() == [("timeout", "unknown", 1)]


@pytest.mark.parametrize(
    "length_header",
    [
        b"Content-Length: 100000",
        # A body without a length ends when the connection does, so the cut itself looks like
        # its end: it must not be taken for whole.
        b"Connection: close",
    ],
    ids=["with-a-length", "without-a-length"],
)
def test_a_body_trickled_a_byte_at_a_time_ends_at_the_attempts_deadline(
    client, raw_serve, allow, make_connection, length_header
):
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + length_header + b"\r\n\r\n"
    server = trickling(raw_serve, head, b" ")
    allow(server.base_url)
    connection = make_connection(server.base_url, read_attempts=1, **FAST)

    error, seconds = timed(lambda: lookup(client, connection))

    assert isinstance(error, PartnerTimeout)
    assert error.delivery == Delivery.UNKNOWN
    assert seconds < ATTEMPT_SECONDS + SLACK_SECONDS
    assert outcomes() == [("timeout", "unknown", 1)]


def test_a_trickled_tls_handshake_ends_at_the_deadline_and_nothing_was_sent(
    client, raw_serve, allow, make_connection
):
    """A TLS record header announcing 16 KB, then a byte at a time: the handshake never ends
    on its own, and no byte of the HTTP request was written."""
    server = trickling(raw_serve, b"\x16\x03\x03\x40\x00", read_request=False)
    allow(server.base_url)
    connection = make_connection(f"https://127.0.0.1:{server.port}", read_attempts=1, **FAST)

    error, seconds = timed(lambda: lookup(client, connection))

    assert isinstance(error, PartnerTimeout)
    assert error.delivery == Delivery.NOT_SENT
    assert seconds < ATTEMPT_SECONDS + SLACK_SECONDS
    assert outcomes() == [("timeout", "not_sent", 1)]


def test_every_attempt_of_a_read_keeps_its_deadline(
    client, raw_serve, allow, make_connection, sleeps
):
    server = trickling(raw_serve)
    allow(server.base_url)
    connection = make_connection(server.base_url, read_attempts=3, **FAST)

    error, seconds = timed(lambda: lookup(client, connection))

    assert isinstance(error, PartnerTimeout)
    assert seconds < 3 * ATTEMPT_SECONDS + SLACK_SECONDS
    assert len(sleeps) == 2
    assert outcomes() == [("timeout", "unknown", attempt) for attempt in (1, 2, 3)]


def test_no_retry_starts_that_could_not_finish_before_the_operations_deadline(
    client, raw_serve, allow, make_connection, sleeps
):
    """The first attempt uses its whole 2 s; what is left of a 3 s operation cannot hold
    another, so none is started."""
    server = trickling(raw_serve)
    allow(server.base_url)
    connection = make_connection(server.base_url, read_attempts=3, **FAST)

    error, seconds = timed(lambda: lookup(client, connection, deadline=time.monotonic() + 3.0))

    assert isinstance(error, PartnerTimeout)
    assert seconds < 3.0 + SLACK_SECONDS
    assert sleeps == []
    assert len(server.requests) == 1
    assert outcomes() == [("timeout", "unknown", 1)]


def test_a_retry_after_that_would_pass_the_operations_deadline_is_not_waited(
    client, serve, allow, make_connection, sleeps
):
    server = serve(lambda request: Reply(429, {"Retry-After": "2"}))
    allow(server.base_url)
    connection = make_connection(server.base_url, read_attempts=3, **FAST)

    error, _ = timed(lambda: lookup(client, connection, deadline=time.monotonic() + 3.5))

    assert isinstance(error, PartnerRateLimited)
    assert error.retry_after == 2.0
    assert sleeps == []
    assert len(server.received) == 1
    assert calls_recorded() == [("lookup", 429, "rate_limited", 1)]


def test_an_operation_whose_deadline_has_passed_sends_nothing(
    client, serve, allow, make_connection
):
    server = serve(lambda request: Reply(200))
    allow(server.base_url)
    connection = make_connection(server.base_url)

    error, _ = timed(lambda: lookup(client, connection, deadline=time.monotonic() - 1))

    assert isinstance(error, PartnerTimeout)
    assert error.delivery == Delivery.NOT_SENT
    assert server.received == []
    assert calls_recorded() == [("lookup", None, "timeout", 1)]


def test_a_resolver_that_does_not_answer_is_waited_for_until_the_deadline_only(
    client, serve, settings, make_connection, monkeypatch
):
    """getaddrinfo is replaced because no DNS server runs here to stay silent; the real one
    cannot be interrupted either, which is what the bounded wait is for."""
    server = serve(lambda request: Reply(200))
    settings.PARTNER_HOST_ALLOWLIST = [f"silent-dns.test:{server.port}"]
    answer = threading.Event()
    resolve = socket.getaddrinfo

    def silent(host, port, *args, **kwargs):
        if host == "silent-dns.test":
            answer.wait(GIVE_UP_SECONDS)
            return resolve("127.0.0.1", port, *args, **kwargs)
        return resolve(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", silent)
    connection = make_connection(f"http://silent-dns.test:{server.port}", read_attempts=1, **FAST)
    try:
        error, seconds = timed(lambda: lookup(client, connection))
    finally:
        answer.set()

    assert isinstance(error, PartnerTimeout)
    assert error.message == "The partner's host name did not resolve within 1000 ms."
    assert error.delivery == Delivery.NOT_SENT
    assert seconds < ATTEMPT_SECONDS + SLACK_SECONDS
    assert server.received == []
    assert calls_recorded() == [("lookup", None, "timeout", 1)]


def test_the_oauth2_token_fetch_gets_only_what_is_left_of_the_attempt(
    client, raw_serve, allow, make_connection
):
    """The token endpoint trickles its headers: the fetch, nested in the lookup's attempt,
    ends at that attempt's deadline and the lookup itself is never sent."""
    server = trickling(raw_serve)
    allow(server.base_url)
    connection = make_connection(
        server.base_url,
        **OAUTH2_PARTNER,
        read_attempts=1,
        **FAST,
    )

    error, seconds = timed(lambda: lookup(client, connection))

    assert isinstance(error, PartnerTimeout)
    assert error.message.startswith("No access token: ")
    assert error.delivery == Delivery.NOT_SENT
    assert seconds < ATTEMPT_SECONDS + SLACK_SECONDS
    assert [request.split(b" ")[1] for request in server.requests] == [b"/oauth/token"]
    assert list(
        PartnerCall.objects.order_by("pk").values_list("operation", "outcome", "delivery")
    ) == [("oauth_token", "timeout", "unknown"), ("lookup", "timeout", "not_sent")]


@pytest.mark.django_db(transaction=True)
def test_waiting_for_another_requests_token_fetch_ends_at_the_deadline(
    client, raw_serve, allow, make_connection
):
    """One token fetch per partner at a time: a second request waits for the first's, but
    only until its own deadline."""
    server = trickling(raw_serve)
    allow(server.base_url)
    connection = make_connection(
        server.base_url,
        **OAUTH2_PARTNER,
        connect_timeout_ms=300,
        read_timeout_ms=30_000,
    )
    first_errors: list[PartnerCallError] = []

    def first_lookup() -> None:
        try:
            lookup(client, connection)
        except PartnerCallError as error:
            first_errors.append(error)

    first = threading.Thread(target=first_lookup)
    first.start()
    try:
        wait_for(lambda: server.requests)

        error, seconds = timed(lambda: lookup(client, connection, deadline=time.monotonic() + 0.3))
    finally:
        server.stopped.set()  # ends the first request's trickle
        first.join()

    assert isinstance(error, PartnerTimeout)
    assert error.message == (
        "No access token: Another request was still fetching the access token at this "
        "attempt's deadline."
    )
    assert error.delivery == Delivery.NOT_SENT
    assert seconds < 0.3 + SLACK_SECONDS
    assert [error.message.startswith("No access token") for error in first_errors] == [True]
    assert len(server.requests) == 1
