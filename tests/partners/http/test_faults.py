"""Each sandbox fault gives the caller the right error and the call log the right outcome;
idempotent reads are retried, orders never are."""

import threading
import time
from dataclasses import replace

import pytest
from django.db import connections

from partners.http.errors import (
    Delivery,
    PartnerHttpError,
    PartnerRateLimited,
    PartnerResponseTooLarge,
    PartnerTimeout,
    PartnerUnavailable,
)
from partners.http.retries import BACKOFF_BASE_SECONDS
from partners.models import PartnerCall
from tests.conftest import wait_for
from tests.partners.http.helpers import (
    UNKNOWN_GTIN,
    calls_recorded,
    carried_gtin,
    free_port,
    sandbox_order_send,
)
from tests.partners.http.local_server import Reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def lookup_path(fresh_sandbox) -> str:
    return f"/v1/products/by-barcode/{carried_gtin(fresh_sandbox.threadline)}"


def lookup(client, connection, path, **options):
    options.setdefault("idempotent", True)
    return client.send(connection, operation="lookup", method="GET", path=path, **options)


def test_timeout_is_retried_twice_then_raised(
    client, threadline, fresh_sandbox, lookup_path, sleeps
):
    fresh_sandbox.threadline.faults_set("timeout", timeout_seconds=2)
    impatient = replace(threadline, read_timeout_ms=200)

    with pytest.raises(PartnerTimeout) as raised:
        lookup(client, impatient, lookup_path)

    assert raised.value.message == "No answer within 200 ms."
    assert calls_recorded() == [("lookup", None, "timeout", attempt) for attempt in (1, 2, 3)]
    assert len(sleeps) == 2


def test_5xx_raises_unavailable(client, threadline, fresh_sandbox, lookup_path):
    fresh_sandbox.threadline.faults_set("5xx")

    with pytest.raises(PartnerUnavailable) as raised:
        lookup(client, threadline, lookup_path, idempotent=False)

    assert raised.value.status_code == 503
    assert calls_recorded() == [("lookup", 503, "unavailable", 1)]


def test_5xx_once_then_ok_succeeds_on_the_second_attempt(
    client, threadline, fresh_sandbox, lookup_path, sleeps
):
    fresh_sandbox.threadline.faults_set("5xx", count=1)

    response = lookup(client, threadline, lookup_path)

    assert (response.status, response.attempt) == (200, 2)
    assert calls_recorded() == [("lookup", 503, "unavailable", 1), ("lookup", 200, "ok", 2)]
    assert len(sleeps) == 1
    assert BACKOFF_BASE_SECONDS / 2 <= sleeps[0] <= BACKOFF_BASE_SECONDS


def test_timeout_once_then_ok_succeeds_on_the_second_attempt(
    client, threadline, fresh_sandbox, lookup_path
):
    fresh_sandbox.threadline.faults_set("timeout", count=1, timeout_seconds=2)

    response = lookup(client, replace(threadline, read_timeout_ms=200), lookup_path)

    assert response.attempt == 2
    assert calls_recorded() == [("lookup", None, "timeout", 1), ("lookup", 200, "ok", 2)]


def test_429_waits_as_long_as_the_partner_asks(
    client, threadline, fresh_sandbox, lookup_path, sleeps
):
    fresh_sandbox.threadline.faults_set("429", count=1, retry_after_seconds=1)

    response = lookup(client, threadline, lookup_path)

    assert response.attempt == 2
    assert sleeps == [1.0]
    assert calls_recorded() == [("lookup", 429, "rate_limited", 1), ("lookup", 200, "ok", 2)]


def test_429_with_a_long_retry_after_is_raised_at_once(
    client, threadline, fresh_sandbox, lookup_path, sleeps
):
    fresh_sandbox.threadline.faults_set("429", retry_after_seconds=7)

    with pytest.raises(PartnerRateLimited) as raised:
        lookup(client, threadline, lookup_path)

    assert (raised.value.status_code, raised.value.retry_after) == (429, 7.0)
    assert sleeps == []
    assert calls_recorded() == [("lookup", 429, "rate_limited", 1)]


@pytest.mark.parametrize("fault", ["malformed", "wrong-content-type"])
def test_content_faults_reach_the_caller_as_responses(
    client, threadline, fresh_sandbox, lookup_path, fault
):
    """Judging the body is the caller's mapping's job, not the HTTP layer's."""
    fresh_sandbox.threadline.faults_set(fault, count=1)

    response = lookup(client, threadline, lookup_path)

    assert response.status == 200
    assert calls_recorded() == [("lookup", 200, "ok", 1)]


def test_huge_answer_is_refused_by_its_content_length(
    client, threadline, fresh_sandbox, lookup_path
):
    fresh_sandbox.threadline.faults_set("huge", count=1, huge_bytes=3 * 1024 * 1024)

    with pytest.raises(PartnerResponseTooLarge) as raised:
        lookup(client, threadline, lookup_path)

    assert raised.value.status_code == 200
    assert calls_recorded() == [("lookup", 200, "too_large", 1)]


def test_answer_without_length_is_cut_off_at_the_cap(client, serve, allow, make_connection):
    sent: list[int] = []

    def endless(_request):
        def chunks():
            for _ in range(100_000):
                sent.append(1)
                yield b"x" * 1024

        return Reply(200, {"Content-Type": "application/json"}, chunks())

    server = serve(endless)
    allow(server.base_url)
    connection = make_connection(server.base_url, max_response_kb=4)

    with pytest.raises(PartnerResponseTooLarge):
        lookup(client, connection, "/feed")

    assert len(sent) < 100_000  # the client hung up instead of reading 100 MB
    assert calls_recorded() == [("lookup", 200, "too_large", 1)]


def test_accepted_404_is_returned_as_not_found(client, threadline):
    response = lookup(
        client, threadline, f"/v1/products/by-barcode/{UNKNOWN_GTIN}", accepted_statuses={404}
    )

    assert response.status == 404
    assert calls_recorded() == [("lookup", 404, "not_found", 1)]


def test_404_not_accepted_is_an_http_error_and_not_retried(client, threadline, sleeps):
    with pytest.raises(PartnerHttpError) as raised:
        lookup(client, threadline, f"/v1/products/by-barcode/{UNKNOWN_GTIN}")

    assert raised.value.status_code == 404
    assert sleeps == []
    assert calls_recorded() == [("lookup", 404, "http_error", 1)]


def test_an_accepted_409_is_returned_and_logged_as_ok(client, serve, allow, make_connection):
    server = serve(lambda request: Reply(409, body=b'{"error": "duplicate"}'))
    allow(server.base_url)
    connection = make_connection(server.base_url)

    response = client.send(
        connection,
        operation="place_order",
        method="POST",
        path="/orders",
        body=b"{}",
        idempotent=False,
        accepted_statuses={409},
    )

    assert response.status == 409
    assert calls_recorded() == [("place_order", 409, "ok", 1)]


def test_an_order_is_never_retried_after_a_5xx(client, threadline, fresh_sandbox, sleeps):
    fresh_sandbox.threadline.faults_set("5xx", count=1)

    with pytest.raises(PartnerUnavailable):
        sandbox_order_send(client, threadline, fresh_sandbox)

    counters = fresh_sandbox.threadline.counters()
    assert (counters.order_requests, counters.orders_created) == (1, 0)
    assert sleeps == []
    assert calls_recorded() == [("place_order", 503, "unavailable", 1)]


def test_an_order_is_never_retried_after_a_timeout(client, threadline, fresh_sandbox):
    fresh_sandbox.threadline.faults_set("timeout", count=1, timeout_seconds=2)

    with pytest.raises(PartnerTimeout):
        sandbox_order_send(client, replace(threadline, read_timeout_ms=200), fresh_sandbox)

    # The partner did place it: only the order pipeline may decide to send it again.
    counters = fresh_sandbox.threadline.counters()
    assert (counters.order_requests, counters.orders_created) == (1, 1)
    assert calls_recorded() == [("place_order", None, "timeout", 1)]


def test_refused_connection_is_unavailable(client, allow, make_connection, sleeps):
    port = free_port()
    allow(f"http://127.0.0.1:{port}")
    connection = make_connection(f"http://127.0.0.1:{port}")

    with pytest.raises(PartnerUnavailable) as raised:
        lookup(client, connection, "/x")

    assert raised.value.message == "Could not connect to the partner."
    assert len(sleeps) == 2
    assert calls_recorded() == [("lookup", None, "unavailable", attempt) for attempt in (1, 2, 3)]


@pytest.mark.django_db(transaction=True)
def test_requests_over_the_concurrency_cap_wait_until_their_deadline_then_give_up(
    client, serve, allow, make_connection
):
    """One slot; the first request holds it (its answer trickles in until we release it), so
    the second waits for a slot until its deadline and fails without reaching the partner."""
    release = threading.Event()

    def trickle(_request):
        def chunks():
            while not release.wait(0.05):
                yield b" "
            yield b"{}"

        return Reply(200, {"Content-Type": "application/json"}, chunks())

    server = serve(trickle)
    allow(server.base_url)
    connection = make_connection(server.base_url, max_concurrent_requests=1, read_timeout_ms=30_000)
    first: list[object] = []

    def hold_the_slot() -> None:
        try:
            first.append(lookup(client, connection, "/slow", idempotent=False))
        finally:
            connections.close_all()  # the thread's own, or it outlives the test database

    holder = threading.Thread(target=hold_the_slot)
    holder.start()
    try:
        wait_for(lambda: server.received)

        with pytest.raises(PartnerUnavailable) as raised:
            lookup(
                client,
                connection,
                "/second",
                idempotent=False,
                deadline=time.monotonic() + 0.3,
            )
    finally:
        release.set()
        holder.join()

    assert raised.value.message.startswith("Too many concurrent requests")
    assert raised.value.delivery == Delivery.NOT_SENT
    assert [request.target for request in server.received] == ["/slow"]
    assert first[0].status == 200
    assert sorted(PartnerCall.objects.values_list("path", "outcome", "delivery")) == [
        ("/second", "unavailable", "not_sent"),
        ("/slow", "ok", "answered"),
    ]
