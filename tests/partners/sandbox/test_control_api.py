"""The control API over HTTP, as an out-of-process benchmark or demo script would drive it."""

import json
import threading

import pytest

from partners.sandbox.orders import OrderCounters
from tests.partners.sandbox.client import WebhookReceiver, call, wait_for
from tests.partners.sandbox.picks import in_stock
from tests.partners.sandbox.subjects import PARTNERS, subject_for


def control(partner, method, path, payload=None):
    body = None if payload is None else json.dumps(payload).encode()
    return call(method, f"{partner.base_url}/_sandbox/{path}", body=body)


@pytest.fixture(params=PARTNERS)
def subject(request, sandbox):
    return subject_for(sandbox, request.param)


def test_state_starts_empty(subject):
    reply = control(subject.partner, "GET", "state")

    assert reply.status == 200
    assert reply.json() == {
        "partner": subject.name,
        "orders_created": 0,
        "order_requests": 0,
        "latency_ms": 0,
        "holding": False,
        "in_flight": 0,
        # Stridewell's subject fetched an access token to call with.
        "peak_in_flight": 1 if subject.name == "stridewell" else 0,
        "status_advance_seconds": None,
        "webhook_url": None,
        "webhook_signing": "body",
        "faults": [],
    }


def test_a_fault_set_over_http_applies_then_clears(subject):
    added = control(
        subject.partner, "POST", "faults", {"kind": "5xx", "operations": ["lookup_code"]}
    )

    assert added.status == 201
    assert added.json() == {
        "kind": "5xx",
        "count": None,
        "operations": ["lookup_code"],
        "timeout_seconds": 30.0,
        "huge_bytes": 5 * 1024 * 1024,
        "retry_after_seconds": 1,
    }
    assert control(subject.partner, "GET", "state").json()["faults"] == [added.json()]
    assert subject.lookup().status == 503
    assert control(subject.partner, "DELETE", "faults").json()["faults"] == []
    assert subject.lookup().status == 200


def test_the_control_api_is_never_faulted_nor_authenticated(threadline):
    threadline.faults_set("5xx")

    assert control(threadline, "GET", "state").status == 200


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"kind": "teapot"}, "'teapot' is not a valid FaultKind"),
        ({"count": 1}, "Missing field 'kind'"),
        ({"kind": "5xx", "colour": "red"}, "unexpected keyword argument 'colour'"),
        ([1], "The body must be a JSON object"),
    ],
)
def test_bad_fault_requests_are_400_and_change_nothing(threadline, payload, error):
    reply = control(threadline, "POST", "faults", payload)

    assert reply.status == 400
    assert error in reply.json()["error"]
    assert threadline.state()["faults"] == []


def test_invalid_json_is_400(threadline):
    reply = call("POST", f"{threadline.base_url}/_sandbox/faults", body=b"{nope")

    assert reply.status == 400
    assert reply.json() == {"error": "The request body is not valid JSON"}


def test_latency_over_http(threadline):
    assert control(threadline, "POST", "latency", {"ms": 120}).json()["latency_ms"] == 120
    assert control(threadline, "POST", "latency", {"ms": -1}).status == 400


def test_held_requests_wait_and_the_peak_counts_them(subject):
    """Requests held at the gate are in flight together; the peak remembers how many."""
    assert control(subject.partner, "POST", "hold", {"on": True}).json()["holding"] is True
    replies = []
    lookups = [threading.Thread(target=lambda: replies.append(subject.lookup())) for _ in "ab"]
    for lookup in lookups:
        lookup.start()
    try:
        wait_for(lambda: subject.partner.state()["in_flight"] == 2)
        assert replies == []
    finally:
        state = control(subject.partner, "POST", "hold", {"on": False}).json()
        for lookup in lookups:
            lookup.join()

    assert state["holding"] is False
    assert [reply.status for reply in replies] == [200, 200]
    after = control(subject.partner, "GET", "state").json()
    assert (after["in_flight"], after["peak_in_flight"]) == (0, 2)
    assert control(subject.partner, "POST", "reset").json()["peak_in_flight"] == 0


def test_requests_from_before_a_reset_are_not_counted_after_it(threadline, sandbox):
    subject = subject_for(sandbox, "threadline")
    threadline.hold_set(True)
    replies = []
    lookup = threading.Thread(target=lambda: replies.append(subject.lookup()))
    lookup.start()
    try:
        wait_for(lambda: threadline.state()["in_flight"] == 1)
        threadline.concurrency.reset()
        assert (threadline.concurrency.in_flight, threadline.concurrency.peak) == (0, 0)
    finally:
        threadline.hold_set(False)
        lookup.join()

    assert [reply.status for reply in replies] == [200]
    assert (threadline.concurrency.in_flight, threadline.concurrency.peak) == (0, 0)


def test_hold_needs_true_or_false(threadline):
    reply = control(threadline, "POST", "hold", {"on": "yes"})

    assert reply.status == 400
    assert reply.json() == {"error": '"on" must be true or false'}
    assert threadline.state()["holding"] is False


def test_advance_an_order_over_http(subject):
    _, item = in_stock(subject.partner)
    order_id = subject.order_id(subject.place("ref-ctl", (item.sku, 1)))

    reply = control(subject.partner, "POST", f"orders/{order_id}/advance", {"to": "delivered"})

    prefix = {"threadline": "TL", "stridewell": "SW", "hearth": "HH"}[subject.name]
    carrier = {"threadline": "Royal Mail", "stridewell": "DPD", "hearth": "Parcelforce"}
    assert reply.status == 200
    assert reply.json() == {
        "id": order_id,
        "status": "delivered",
        "carrier": carrier[subject.name],
        "tracking_number": f"{prefix}000000001GB",
        "tracking_url": f"{subject.partner.base_url}/track/{prefix}000000001GB",
    }


def test_advancing_needs_a_known_order_in_a_state_that_can_move(threadline, sandbox):
    subject = subject_for(sandbox, "threadline")
    _, item = in_stock(threadline)
    order_id = subject.order_id(subject.place("ref-adv", (item.sku, 1)))
    control(threadline, "POST", f"orders/{order_id}/advance", {"to": "delivered"})

    unknown = control(threadline, "POST", "orders/TLO-999999/advance")
    finished = control(threadline, "POST", f"orders/{order_id}/advance")
    bad_status = control(threadline, "POST", f"orders/{order_id}/advance", {"to": "lost"})

    assert unknown.status == 404
    assert finished.status == 409
    assert finished.json() == {
        "error": f"Order {order_id} is delivered; cannot advance to a next status"
    }
    assert bad_status.status == 400


def test_an_order_cannot_be_advanced_backwards(threadline, sandbox):
    subject = subject_for(sandbox, "threadline")
    _, item = in_stock(threadline)
    order_id = subject.order_id(subject.place("ref-back", (item.sku, 1)))
    threadline.order_advance(order_id, to="delivered")

    reply = control(threadline, "POST", f"orders/{order_id}/advance", {"to": "shipped"})

    assert reply.status == 409
    assert threadline.orders.get(order_id).status == "delivered"


def test_reset_forgets_orders_and_restores_stock(subject):
    _, item = in_stock(subject.partner)
    order_id = subject.order_id(subject.place("ref-reset", (item.sku, 2)))
    subject.partner.latency_set(10)

    state = control(subject.partner, "POST", "reset").json()

    assert (state["orders_created"], state["order_requests"], state["latency_ms"]) == (0, 0, 0)
    assert subject.partner.counters() == OrderCounters(0, 0)
    assert subject.partner.orders.stock(item.sku) == item.stock
    status_path = {
        "threadline": "/v1/orders/{}",
        "stridewell": "/api/v2/orders/{}",
        "hearth": "/api/orders/{}",
    }[subject.name]
    assert subject.client.get(status_path.format(order_id)).status == 404


def test_webhook_and_time_based_advance_over_http(threadline, sandbox):
    subject = subject_for(sandbox, "threadline")
    _, item = in_stock(threadline)
    with WebhookReceiver() as receiver:
        state = control(threadline, "POST", "webhook", {"url": receiver.url, "secret": "k"}).json()
        order_id = subject.order_id(subject.place("ref-hook", (item.sku, 1)))
        advancing = control(threadline, "POST", "status-advance", {"seconds": 0.05}).json()
        wait_for(lambda: len(receiver.deliveries) >= 2)

    assert state["webhook_url"] == receiver.url
    assert advancing["status_advance_seconds"] == 0.05
    assert threadline.orders.get(order_id).status == "delivered"
    assert control(threadline, "POST", "status-advance", {"seconds": 0}).status == 400


def test_the_webhook_signing_scheme_over_http(threadline):
    url = "http://127.0.0.1:9/hook"

    chosen = control(threadline, "POST", "webhook", {"url": url, "signing": "timestamp_body"})
    unknown = control(threadline, "POST", "webhook", {"url": url, "signing": "md5"})

    assert chosen.json()["webhook_signing"] == "timestamp_body"
    assert unknown.status == 400
    assert unknown.json() == {"error": "'md5' is not a valid WebhookSigning"}
    assert control(threadline, "GET", "state").json()["webhook_signing"] == "timestamp_body"


def test_stridewell_tokens_can_be_expired_over_http(stridewell, sandbox):
    subject = subject_for(sandbox, "stridewell")

    expired = control(stridewell, "POST", "tokens/expire")

    assert expired.status == 200
    assert subject.lookup().status == 401


def test_an_unknown_control_path_is_404(threadline):
    reply = control(threadline, "GET", "nothing")

    assert reply.status == 404
    assert reply.json() == {"error": "No such endpoint: /_sandbox/nothing"}
