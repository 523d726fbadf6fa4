"""`POST /partners/<slug>/webhook/` with what the sandbox partners really push: Threadline and
Hearth (XML) sign the body, Baywater signs timestamp and body. The sandbox pushes over HTTP to a
receiver; the test forwards each push byte for byte through Django's request stack in its own
thread, so it runs inside the test's transaction (a live server thread could not see it)."""

import json
import time

import pytest

from orders.models import OrderLine, PartnerOrder
from orders.statuses import LineStatus, OrderStatus, PartnerOrderStatus
from partners.models import WebhookDelivery
from partners.sandbox.webhooks import (
    DEFAULT_WEBHOOK_SECRET,
    WebhookSigning,
    webhook_signed_headers,
)
from partners.webhook_payloads import WEBHOOK_MAX_BODY_BYTES
from tests.factories import PartnerFactory
from tests.orders.sandbox_orders import (
    delivery_forward,
    events_of,
    sandbox_order_placed,
    webhook_post,
)
from tests.partners.sandbox.client import WebhookReceiver, wait_for

pytestmark = pytest.mark.django_db

P = PartnerOrderStatus


@pytest.fixture
def receiver():
    with WebhookReceiver() as receiving:
        yield receiving


def pushed_on_advance(sandbox_partner, receiver, partner_order, secret=None):
    """Advance the order one step at the sandbox and return the push it sent."""
    sandbox_partner.webhook_set(receiver.url, secret or DEFAULT_WEBHOOK_SECRET)
    sandbox_partner.order_advance(partner_order.partner_reference)
    return wait_for(lambda: receiver.deliveries[:1])


@pytest.mark.parametrize("slug", ["threadline", "hearth", "baywater"])
def test_a_signed_push_moves_an_accepted_order_to_shipped_with_tracking(
    live_partners, sandbox, receiver, slug
):
    sandbox_partner = sandbox.by_name(slug)
    partner_order = sandbox_order_placed(live_partners(slug)[slug], sandbox_partner)
    [push] = pushed_on_advance(sandbox_partner, receiver, partner_order)
    shipment = sandbox_partner.orders.get(partner_order.partner_reference).shipment

    response = delivery_forward(slug, push)

    assert response.status_code == 200
    assert response.json() == {"applied": True, "status": "shipped"}
    partner_order.refresh_from_db()
    assert partner_order.status == P.SHIPPED
    assert partner_order.order.status == OrderStatus.SHIPPED
    line = OrderLine.objects.get(partner_order=partner_order)
    assert (line.status, line.carrier, line.tracking_number, line.tracking_url) == (
        LineStatus.SHIPPED,
        shipment.carrier,
        shipment.tracking_number,
        shipment.tracking_url,
    )
    events = dict(events_of(partner_order))
    assert list(events) == [
        "partner_order_status_changed",
        "order_status_changed",
        "line_status_changed",
    ]
    moved, line_moved = events["partner_order_status_changed"], events["line_status_changed"]
    assert (moved["from"], moved["to"], moved["source"], moved["tracking_number"]) == (
        "accepted",
        "shipped",
        "webhook",
        shipment.tracking_number,
    )
    assert (line_moved["to"], line_moved["source"], line_moved["tracking_number"]) == (
        "shipped",
        "webhook",
        shipment.tracking_number,
    )


def test_a_push_signed_with_another_secret_is_refused_and_changes_nothing(
    live_partners, sandbox, receiver
):
    partner_order = sandbox_order_placed(
        live_partners("threadline")["threadline"], sandbox.threadline
    )
    [push] = pushed_on_advance(
        sandbox.threadline, receiver, partner_order, secret="not-the-shared-secret-at-all"
    )

    response = delivery_forward("threadline", push)

    assert response.status_code == 401
    assert response.json() == {
        "error": "X-Sandbox-Signature does not match the body: another secret, or a changed body."
    }
    partner_order.refresh_from_db()
    assert partner_order.status == P.ACCEPTED
    assert events_of(partner_order) == []
    assert not WebhookDelivery.objects.exists()


def test_a_changed_body_is_refused(live_partners, sandbox, receiver):
    partner_order = sandbox_order_placed(
        live_partners("threadline")["threadline"], sandbox.threadline
    )
    [push] = pushed_on_advance(sandbox.threadline, receiver, partner_order)
    headers = {"X-Sandbox-Signature": push.headers["X-Sandbox-Signature"]}
    changed = push.body.replace(b'"shipped"', b'"delivered"')

    response = webhook_post("threadline", changed, headers, "application/json")

    assert response.status_code == 401
    partner_order.refresh_from_db()
    assert partner_order.status == P.ACCEPTED
    assert events_of(partner_order) == []


@pytest.mark.parametrize("slug", ["threadline", "baywater"])
def test_the_same_delivery_sent_again_is_refused_as_a_replay(
    live_partners, sandbox, receiver, slug
):
    partner_order = sandbox_order_placed(live_partners(slug)[slug], sandbox.by_name(slug))
    [push] = pushed_on_advance(sandbox.by_name(slug), receiver, partner_order)
    assert delivery_forward(slug, push).status_code == 200
    events_before = events_of(partner_order)

    replayed = delivery_forward(slug, push)

    assert replayed.status_code == 409
    assert "a replay" in replayed.json()["error"]
    assert events_of(partner_order) == events_before
    assert WebhookDelivery.objects.count() == 1


def test_a_push_timestamped_beyond_the_replay_window_is_refused(live_partners, sandbox, receiver):
    partner_order = sandbox_order_placed(live_partners("baywater")["baywater"], sandbox.baywater)
    [push] = pushed_on_advance(sandbox.baywater, receiver, partner_order)
    # The sandbox's own signer, as if the push was sent an hour ago (the window is 300 s).
    stale = webhook_signed_headers(
        WebhookSigning.TIMESTAMP_BODY, DEFAULT_WEBHOOK_SECRET, push.body, now=time.time() - 3600
    )

    response = webhook_post("baywater", push.body, stale, "application/json")

    assert response.status_code == 401
    assert "beyond the 300 s replay window" in response.json()["error"]
    partner_order.refresh_from_db()
    assert partner_order.status == P.ACCEPTED
    assert events_of(partner_order) == []
    assert not WebhookDelivery.objects.exists()


def test_a_push_for_an_order_we_do_not_know_is_404_and_not_remembered(
    live_partners, sandbox, receiver
):
    partner_order = sandbox_order_placed(
        live_partners("threadline")["threadline"], sandbox.threadline
    )
    [push] = pushed_on_advance(sandbox.threadline, receiver, partner_order)
    reference = partner_order.partner_reference
    PartnerOrder.objects.filter(pk=partner_order.pk).update(partner_reference="")

    response = delivery_forward("threadline", push)

    assert response.status_code == 404
    assert not WebhookDelivery.objects.exists()
    # The partner's retry, once our worker has recorded its reference, is applied.
    PartnerOrder.objects.filter(pk=partner_order.pk).update(partner_reference=reference)
    assert delivery_forward("threadline", push).status_code == 200


def signed_body(body: bytes) -> dict[str, str]:
    return webhook_signed_headers(WebhookSigning.BODY, DEFAULT_WEBHOOK_SECRET, body, now=0)


def test_a_body_over_the_size_bound_is_refused_before_reading():
    body = json.dumps({"padding": "x" * WEBHOOK_MAX_BODY_BYTES}).encode()

    response = webhook_post("threadline", body, signed_body(body), "application/json")

    assert response.status_code == 413
    assert not WebhookDelivery.objects.exists()


def test_json_nested_too_deeply_is_refused_with_a_clear_error(live_partners):
    live_partners("threadline")
    body = b"[" * 100 + b"]" * 100

    response = webhook_post("threadline", body, signed_body(body), "application/json")

    assert response.status_code == 422
    assert response.json() == {
        "error": "The body is not valid JSON: the JSON is nested deeper than 64 levels"
    }


def test_a_signed_body_the_mapping_cannot_read_is_refused_naming_the_field(live_partners):
    live_partners("threadline")
    body = json.dumps({"event": "order.status_changed", "order": {"status": "shipped"}}).encode()

    response = webhook_post("threadline", body, signed_body(body), "application/json")

    assert response.status_code == 422
    assert "partner_order_id" in response.json()["error"]


def test_a_polled_partner_or_an_unknown_one_takes_no_webhooks():
    PartnerFactory(name="Stridewell", slug="stridewell")
    body = b"{}"

    polled = webhook_post("stridewell", body, signed_body(body), "application/json")
    unknown = webhook_post("nobody", body, signed_body(body), "application/json")

    assert polled.status_code == 401
    assert polled.json() == {"error": "Stridewell does not send its order status by webhook."}
    assert unknown.status_code == 404
