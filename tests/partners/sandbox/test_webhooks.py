import hashlib
import hmac
import json
import logging
import socket
import xml.etree.ElementTree as ET

import pytest

from partners.sandbox.webhooks import webhook_signature, webhook_timestamp_signature
from tests.partners.sandbox.client import WebhookReceiver, wait_for
from tests.partners.sandbox.picks import in_stock
from tests.partners.sandbox.subjects import PARTNERS, Subject, subject_for

SECRET = "shared-with-the-back-office"


@pytest.fixture(params=PARTNERS)
def subject(request, sandbox):
    return subject_for(sandbox, request.param)


def placed_order(subject: Subject, reference: str = "ref-hook") -> str:
    _, item = in_stock(subject.partner)
    return subject.order_id(subject.place(reference, (item.sku, 1)))


def expected_signature(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def pushed(receiver: WebhookReceiver, count: int):
    return wait_for(
        lambda: receiver.deliveries[:count] if len(receiver.deliveries) >= count else None
    )


def test_signature_is_hmac_sha256_of_the_body():
    # RFC 4231, test case 2.
    assert webhook_signature("Jefe", b"what do ya want for nothing?") == (
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_each_push_is_signed_with_the_configured_secret(subject):
    with WebhookReceiver() as receiver:
        subject.partner.webhook_set(receiver.url, SECRET)
        subject.partner.order_advance(placed_order(subject))
        [delivery] = pushed(receiver, 1)

    assert delivery.headers["Content-Type"] == subject.partner.content_type
    assert delivery.headers["X-Sandbox-Signature"] == expected_signature(delivery.body)
    assert delivery.headers["X-Sandbox-Signature"] != expected_signature(delivery.body, "other")


def test_a_webhook_can_be_signed_over_timestamp_and_body_instead(threadline, sandbox):
    subject = subject_for(sandbox, "threadline")
    with WebhookReceiver(statuses=[500]) as receiver:
        threadline.webhook_set(receiver.url, SECRET, signing="timestamp_body")
        threadline.order_advance(placed_order(subject))
        attempts = pushed(receiver, 2)

    for attempt in attempts:  # each attempt is signed with the time it was sent
        timestamp = attempt.headers["X-Sandbox-Timestamp"]
        assert attempt.headers["X-Sandbox-Signature"] == webhook_timestamp_signature(
            SECRET, timestamp, attempt.body
        )
        assert attempt.headers["X-Sandbox-Signature"] != expected_signature(attempt.body)
    assert threadline.state()["webhook_signing"] == "timestamp_body"


def test_timestamp_signature_is_hmac_sha256_of_timestamp_dot_body():
    assert webhook_timestamp_signature("Jefe", "1767225600", b"{}") == webhook_signature(
        "Jefe", b"1767225600.{}"
    )


def test_threadline_pushes_the_order_as_json(threadline, sandbox):
    subject = subject_for(sandbox, "threadline")
    with WebhookReceiver() as receiver:
        threadline.webhook_set(receiver.url, SECRET)
        threadline.order_advance(placed_order(subject), to="delivered")
        shipped, delivered = pushed(receiver, 2)

    event = json.loads(shipped.body)
    assert event["event"] == "order.status_changed"
    assert event["event_id"] == "TLO-000001.shipped"
    assert event["order"]["status"] == "shipped"
    assert event["order"]["shipment"]["tracking_number"] == "TL000000001GB"
    assert json.loads(delivered.body)["event_id"] == "TLO-000001.delivered"


def test_stridewell_pushes_the_order_as_json_of_its_own_shape(stridewell, sandbox):
    subject = subject_for(sandbox, "stridewell")
    with WebhookReceiver() as receiver:
        stridewell.webhook_set(receiver.url, SECRET)
        stridewell.order_advance(placed_order(subject))
        [delivery] = pushed(receiver, 1)

    event = json.loads(delivery.body)
    assert event["type"] == "ORDER_STATE_CHANGED"
    assert event["id"] == "SO00000001:DISPATCHED"
    assert event["data"]["state"] == "DISPATCHED"
    assert event["data"]["dispatch"]["carrier"] == "DPD"


def test_hearth_pushes_xml(hearth, sandbox):
    subject = subject_for(sandbox, "hearth")
    with WebhookReceiver() as receiver:
        hearth.webhook_set(receiver.url, SECRET)
        hearth.order_advance(placed_order(subject))
        [delivery] = pushed(receiver, 1)

    notification = ET.fromstring(delivery.body)  # noqa: S314 - our own sandbox's push
    assert notification.tag == "OrderStatusNotification"
    assert notification.findtext("NotificationId") == "HH-ORD-000001-Despatched"
    assert notification.findtext("./Order/Status") == "Despatched"
    assert notification.find("./Order/Despatch").get("carrier") == "Parcelforce"


def test_a_cancellation_is_pushed(threadline, sandbox):
    subject = subject_for(sandbox, "threadline")
    order_id = placed_order(subject)
    with WebhookReceiver() as receiver:
        threadline.webhook_set(receiver.url, SECRET)
        subject.client.post_json(f"/v1/orders/{order_id}/cancel", {})
        [delivery] = pushed(receiver, 1)

    assert json.loads(delivery.body)["event_id"] == "TLO-000001.cancelled"


def test_nothing_is_pushed_while_no_webhook_is_set(threadline, sandbox):
    subject = subject_for(sandbox, "threadline")
    first = placed_order(subject, "ref-1")
    second = placed_order(subject, "ref-2")
    with WebhookReceiver() as receiver:
        threadline.webhook_set(receiver.url, SECRET)
        threadline.webhook_set(None)
        threadline.order_advance(first)
        threadline.webhook_set(receiver.url, SECRET)
        threadline.order_advance(second)
        pushed(receiver, 1)

    assert [json.loads(d.body)["event_id"] for d in receiver.deliveries] == ["TLO-000002.shipped"]


def test_a_failed_push_is_retried_with_the_same_signed_body(threadline, sandbox):
    subject = subject_for(sandbox, "threadline")
    with WebhookReceiver(statuses=[500, 503]) as receiver:
        threadline.webhook_set(receiver.url, SECRET)
        threadline.order_advance(placed_order(subject))
        attempts = pushed(receiver, 3)

    assert len({attempt.body for attempt in attempts}) == 1
    assert all(
        attempt.headers["X-Sandbox-Signature"] == expected_signature(attempt.body)
        for attempt in attempts
    )


def test_an_unreachable_webhook_is_logged_and_the_partner_keeps_serving(
    threadline, sandbox, caplog
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    subject = subject_for(sandbox, "threadline")
    caplog.set_level(logging.WARNING, logger="partners.sandbox.webhooks")
    threadline.webhook_set(f"http://127.0.0.1:{closed_port}/hook", SECRET)

    threadline.order_advance(placed_order(subject))
    wait_for(lambda: any("gave up" in record.getMessage() for record in caplog.records))

    failures = [r for r in caplog.records if r.getMessage().startswith("webhook push failed")]
    assert len(failures) == 4
    assert subject.lookup().status == 200


def test_orders_advance_over_time_when_asked_to_and_each_step_is_pushed(threadline, sandbox):
    subject = subject_for(sandbox, "threadline")
    order_id = placed_order(subject)
    with WebhookReceiver() as receiver:
        threadline.webhook_set(receiver.url, SECRET)
        threadline.status_advance_set(0.05)
        shipped, delivered = pushed(receiver, 2)

    assert json.loads(shipped.body)["event_id"] == f"{order_id}.shipped"
    assert json.loads(delivered.body)["event_id"] == f"{order_id}.delivered"
    assert subject.client.get(f"/v1/orders/{order_id}").json()["status"] == "delivered"
