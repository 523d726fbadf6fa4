import time

import pytest

from partners.sandbox.faults import FaultKind, Operation
from partners.sandbox.orders import OrderCounters
from tests.partners.sandbox.client import call, wait_for
from tests.partners.sandbox.picks import in_stock
from tests.partners.sandbox.subjects import PARTNERS, subject_for

RATE_LIMIT_CODES = {
    "threadline": "rate_limited",
    "stridewell": "rate_limit_exceeded",
    "hearth": "TooManyRequests",
}
UNAVAILABLE_CODES = {
    "threadline": "service_unavailable",
    "stridewell": "temporarily_unavailable",
    "hearth": "Unavailable",
}
DECLINED = {
    "threadline": ("rejected", "declined_by_partner"),
    "stridewell": ("REJECTED", "DECLINED"),
    "hearth": ("Rejected", "Declined"),
}
ACCEPTED = {
    "threadline": ("accepted", None),
    "stridewell": ("CONFIRMED", None),
    "hearth": ("Accepted", None),
}


@pytest.fixture(params=PARTNERS)
def subject(request, sandbox):
    return subject_for(sandbox, request.param)


def test_5xx_for_the_next_request_only(subject):
    subject.partner.faults_set("5xx", count=1)

    failed = subject.lookup()
    recovered = subject.lookup()

    assert failed.status == 503
    assert subject.error_code(failed) == UNAVAILABLE_CODES[subject.name]
    assert recovered.status == 200


def test_429_says_when_to_retry(subject):
    subject.partner.faults_set(FaultKind.RATE_LIMITED, count=1, retry_after_seconds=7)

    reply = subject.lookup()

    assert reply.status == 429
    assert reply.headers["Retry-After"] == "7"
    assert subject.error_code(reply) == RATE_LIMIT_CODES[subject.name]
    assert subject.lookup().status == 200


def test_a_5xx_on_place_order_creates_no_order(subject):
    _, item = in_stock(subject.partner)
    subject.partner.faults_set("5xx", count=1, operations=[Operation.ORDER_PLACE])

    refused = subject.place("ref-5xx", (item.sku, 1))

    assert refused.status == 503
    assert subject.partner.counters() == OrderCounters(orders_created=0, order_requests=1)
    assert subject.place("ref-5xx", (item.sku, 1)).status == 201
    assert subject.partner.counters() == OrderCounters(orders_created=1, order_requests=2)


def test_timeout_answers_too_late_but_the_order_exists_and_a_retry_finds_it(subject):
    _, item = in_stock(subject.partner)
    subject.partner.faults_set("timeout", count=1, operations=["order_place"])

    with pytest.raises(TimeoutError):
        subject.place("ref-timeout", (item.sku, 1), timeout=0.3)
    wait_for(lambda: subject.partner.counters().orders_created == 1)
    retry = subject.place("ref-timeout", (item.sku, 1))

    assert retry.status == (409 if subject.name == "stridewell" else 200)
    original = subject.partner.orders.get(subject.partner.order_id(1))
    if subject.name == "stridewell":
        assert retry.json()["order_id"] == original.id
    else:
        assert subject.order_id(retry) == original.id
    assert subject.partner.counters() == OrderCounters(orders_created=1, order_requests=2)


def test_malformed_truncates_the_body(subject):
    good = subject.lookup()
    subject.partner.faults_set("malformed", count=1)

    broken = subject.lookup()

    assert broken.status == 200
    assert broken.content_type == good.content_type
    assert broken.body == good.body[: len(good.body) // 2]
    with pytest.raises((ValueError, SyntaxError)):  # JSONDecodeError; XML's ParseError
        subject.parse(broken.body)


def test_wrong_content_type_keeps_the_body_but_labels_it_html(subject):
    good = subject.lookup()
    subject.partner.faults_set("wrong-content-type", count=1)

    mislabelled = subject.lookup()

    assert mislabelled.content_type == "text/html; charset=utf-8"
    assert mislabelled.body == good.body
    assert subject.lookup().content_type == good.content_type


def test_huge_sends_a_well_formed_body_of_several_megabytes(subject):
    subject.partner.faults_set("huge", count=1)

    reply = subject.lookup()

    assert reply.status == 200
    assert 5 * 1024 * 1024 <= len(reply.body) < 5 * 1024 * 1024 + 200
    subject.parse(reply.body)


def test_reject_line_declines_the_first_line_and_is_not_used_up_by_lookups(subject):
    _, first = in_stock(subject.partner)
    _, second = in_stock(subject.partner, skip=1)
    subject.partner.faults_set("reject-line", count=1)

    assert subject.lookup().status == 200
    reply = subject.place("ref-reject", (first.sku, 1), (second.sku, 1))
    next_order = subject.place("ref-after", (first.sku, 1))

    assert reply.status == 201
    assert subject.line_outcomes(reply) == [DECLINED[subject.name], ACCEPTED[subject.name]]
    assert subject.partner.orders.stock(first.sku) == first.stock - 1
    assert subject.line_outcomes(next_order) == [ACCEPTED[subject.name]]


def test_latency_delays_every_request(subject):
    subject.partner.latency_set(150)

    started = time.monotonic()
    reply = subject.lookup()

    assert reply.status == 200
    assert time.monotonic() - started >= 0.15


def test_a_fault_counts_down_and_then_stops(threadline, threadline_client):
    threadline.faults_set("5xx", count=2)

    statuses = [threadline_client.get("/v1/products?q=jumper").status for _ in range(3)]

    assert statuses == [503, 503, 200]
    assert threadline.state()["faults"] == []


def test_a_fault_without_a_count_lasts_until_cleared(threadline, threadline_client):
    threadline.faults_set("5xx")

    before = [threadline_client.get("/v1/products?q=jumper").status for _ in range(3)]
    threadline.faults_clear()

    assert before == [503, 503, 503]
    assert threadline_client.get("/v1/products?q=jumper").status == 200


def test_a_fault_aimed_at_one_operation_spares_the_others(threadline, threadline_client):
    offer, item = in_stock(threadline)
    threadline.faults_set("5xx", count=1, operations=["similar"])

    lookup = threadline_client.get(f"/v1/products/by-barcode/{item.variant.gtin}")
    similar = threadline_client.get(f"/v1/products/{offer.product_number}/similar")

    assert lookup.status == 200
    assert similar.status == 503
    assert threadline.state()["faults"] == []


def test_faults_queue_in_the_order_they_were_set(threadline, threadline_client):
    threadline.faults_set("429", count=1)
    threadline.faults_set("5xx", count=1)

    statuses = [threadline_client.get("/v1/products?q=jumper").status for _ in range(3)]

    assert statuses == [429, 503, 200]


def test_the_token_endpoint_can_be_faulted(stridewell):
    stridewell.faults_set("5xx", count=1, operations=["token"])

    reply = call(
        "POST",
        f"{stridewell.base_url}/oauth/token",
        body=b"grant_type=client_credentials",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert reply.status == 503


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"kind": "teapot"}, "'teapot' is not a valid FaultKind"),
        ({"kind": "5xx", "count": 0}, "count must be at least 1"),
        ({"kind": "5xx", "operations": ["dance"]}, "'dance' is not a valid Operation"),
        ({"kind": "huge", "huge_bytes": 0}, "must be positive"),
    ],
)
def test_invalid_faults_are_refused(threadline, options, message):
    kind = options.pop("kind")

    with pytest.raises(ValueError, match=message):
        threadline.faults_set(kind, **options)
    assert threadline.state()["faults"] == []
