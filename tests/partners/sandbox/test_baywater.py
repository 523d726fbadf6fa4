"""Baywater: availability only, one item per order by EAN, signed requests, timestamped pushes."""

import hashlib
import hmac
import json
import time

import pytest

from partners.sandbox.orders import OrderCounters
from partners.sandbox.webhooks import webhook_timestamp_signature
from tests.partners.sandbox.client import (
    PartnerClient,
    WebhookReceiver,
    baywater_signature,
    call,
    wait_for,
)
from tests.partners.sandbox.picks import UNKNOWN_GTIN, gtin_carried_elsewhere, in_stock

SECRET = "shared-with-the-back-office"
DELIVER_TO = {"name": "Ada Lovelace", "postcode": "SW1A 1AA"}


def place(client, reference: str, item, *, deliver_to=DELIVER_TO):
    return client.post_json(
        "/v1/orders", {"order_ref": reference, "item": item, "deliver_to": deliver_to}
    )


def signed_with(baywater, **changes) -> PartnerClient:
    """A client whose signature is computed with some of its inputs changed."""
    key_id = changes.get("key_id", baywater.key_id)
    secret = changes.get("secret", baywater.secret)
    now = changes.get("now")
    return PartnerClient(
        baywater.base_url,
        sign=lambda method, target, body: baywater_signature(
            key_id, secret, method, target, body, now=now
        ),
    )


def test_availability_says_in_stock_for_the_quantity_asked_and_nothing_else(
    baywater, baywater_client
):
    _, item = in_stock(baywater, minimum=3)

    enough = baywater_client.get(f"/v1/availability/{item.sku}?qty={item.stock}")
    too_many = baywater_client.get(f"/v1/availability/{item.sku}?qty={item.stock + 1}")

    assert enough.status == 200
    assert enough.json() == {"ean": item.variant.gtin, "qty": item.stock, "status": "IN_STOCK"}
    assert too_many.json() == {
        "ean": item.variant.gtin,
        "qty": item.stock + 1,
        "status": "OUT_OF_STOCK",
    }


def test_an_ean_not_stocked_is_404(baywater, baywater_client):
    elsewhere = gtin_carried_elsewhere(baywater)

    for ean in (UNKNOWN_GTIN, elsewhere):
        reply = baywater_client.get(f"/v1/availability/{ean}?qty=1")
        assert reply.status == 404
        assert reply.json()["error"] == {
            "code": "not_found",
            "detail": f"EAN {ean} is not stocked by Baywater",
        }


@pytest.mark.parametrize(
    ("target", "detail"),
    [
        ("/v1/availability/05018144959912?qty=1", "ean must be the 13-digit EAN, not "),
        ("/v1/availability/5018144959912", "Give the quantity wanted in ?qty="),
        ("/v1/availability/5018144959912?qty=0", "Give the quantity wanted in ?qty="),
    ],
)
def test_availability_needs_a_13_digit_ean_and_a_quantity(baywater_client, target, detail):
    reply = baywater_client.get(target)

    assert reply.status == 400
    assert reply.json()["error"]["detail"].startswith(detail)


def test_requests_must_be_signed_with_the_key_and_secret_and_a_fresh_timestamp(baywater):
    _, item = in_stock(baywater)
    target = f"/v1/availability/{item.sku}?qty=1"

    unsigned = call("GET", baywater.base_url + target)
    wrong_secret = signed_with(baywater, secret="guess").get(target)
    wrong_key = signed_with(baywater, key_id="someone-else").get(target)
    stale = signed_with(baywater, now=time.time() - 301).get(target)
    fresh = signed_with(baywater).get(target)

    assert [reply.status for reply in (unsigned, wrong_secret, wrong_key, stale)] == [401] * 4
    assert [reply.json()["error"]["detail"] for reply in (wrong_secret, wrong_key, stale)] == [
        "The signature does not match the request",
        "Unknown X-Key-Id",
        "The request timestamp is more than five minutes off",
    ]
    assert fresh.status == 200


def test_the_signature_covers_the_query_and_the_body(baywater):
    _, item = in_stock(baywater)
    signed_for_qty_1 = baywater_signature(
        baywater.key_id, baywater.secret, "GET", f"/v1/availability/{item.sku}?qty=1", b""
    )

    replayed = call(
        "GET",
        f"{baywater.base_url}/v1/availability/{item.sku}?qty=2",
        headers=signed_for_qty_1,
    )

    assert replayed.status == 401


def test_one_item_is_ordered_by_ean_and_a_repeated_reference_is_409(baywater, baywater_client):
    offer, item = in_stock(baywater)

    first = place(baywater_client, "EA-2001", {"ean": item.sku, "qty": 2})
    repeat = place(baywater_client, "EA-2001", {"ean": item.sku, "qty": 2})

    assert first.status == 201
    order = first.json()
    assert (order["order_no"], order["order_ref"], order["status"]) == (
        "BWO0000001",
        "EA-2001",
        "OPEN",
    )
    assert order["item"] == {
        "ean": item.variant.gtin,
        "qty": 2,
        "unit_cost": f"{offer.cost:.2f}",
        "currency": "GBP",
        "status": "ALLOCATED",
        "refusal": None,
    }
    assert order["deliver_to"] == DELIVER_TO
    assert repeat.status == 409
    assert repeat.json()["error"] == {
        "code": "duplicate_order_ref",
        "detail": "An order with order_ref 'EA-2001' already exists",
        "order_no": "BWO0000001",
    }
    assert baywater.counters() == OrderCounters(orders_created=1, order_requests=2)
    assert baywater.orders.stock(item.sku) == item.stock - 2


def test_an_order_of_two_items_is_refused_and_nothing_is_ordered(baywater, baywater_client):
    _, first = in_stock(baywater)
    _, second = in_stock(baywater, skip=1)

    reply = place(
        baywater_client,
        "EA-2002",
        [{"ean": first.sku, "qty": 1}, {"ean": second.sku, "qty": 1}],
    )

    assert reply.status == 422
    assert reply.json()["error"] == {
        "code": "one_item_per_order",
        "detail": "Baywater takes one item per order; this order has 2. "
        "Send each item as its own order.",
    }
    assert baywater.counters() == OrderCounters(orders_created=0, order_requests=1)
    assert baywater.orders.stock(first.sku) == first.stock
    assert baywater.orders.stock(second.sku) == second.stock


def test_an_item_short_of_stock_is_refused(baywater, baywater_client):
    _, item = in_stock(baywater)

    reply = place(baywater_client, "EA-2003", {"ean": item.sku, "qty": item.stock + 1})

    assert reply.status == 201
    assert reply.json()["status"] == "REFUSED"
    assert (reply.json()["item"]["status"], reply.json()["item"]["refusal"]) == (
        "REFUSED",
        "NO_STOCK",
    )


def test_status_words_are_its_own_and_an_order_in_transit_cannot_be_voided(
    baywater, baywater_client
):
    _, item = in_stock(baywater)
    _, other = in_stock(baywater, skip=1)
    early = place(baywater_client, "EA-v1", {"ean": item.sku, "qty": 1}).json()["order_no"]
    late = place(baywater_client, "EA-v2", {"ean": other.sku, "qty": 1}).json()["order_no"]
    baywater.order_advance(late)

    voided = baywater_client.post_json(f"/v1/orders/{early}/void", {})
    refused = baywater_client.post_json(f"/v1/orders/{late}/void", {})
    in_transit = baywater_client.get(f"/v1/orders/{late}").json()

    assert voided.json()["status"] == "VOID"
    assert baywater.orders.stock(item.sku) == item.stock
    assert refused.status == 409
    assert in_transit["status"] == "IN_TRANSIT"
    assert in_transit["shipment"] == {
        "carrier": "Evri",
        "tracking_no": "BW000000002GB",  # the second order's parcel
        "tracking_url": f"{baywater.base_url}/track/BW000000002GB",
    }


def test_pushes_are_signed_over_timestamp_and_body_with_the_timestamp_in_a_header(
    baywater, baywater_client
):
    _, item = in_stock(baywater)
    order_no = place(baywater_client, "EA-hook", {"ean": item.sku, "qty": 1}).json()["order_no"]
    with WebhookReceiver() as receiver:
        baywater.webhook_set(receiver.url, SECRET)
        before = int(time.time())
        baywater.order_advance(order_no)
        [delivery] = wait_for(lambda: receiver.deliveries[:1])
        after = int(time.time())

    timestamp = delivery.headers["X-Sandbox-Timestamp"]
    signed = timestamp.encode() + b"." + delivery.body
    expected = "sha256=" + hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    assert before <= int(timestamp) <= after
    assert delivery.headers["X-Sandbox-Signature"] == expected
    assert delivery.headers["X-Sandbox-Signature"] != webhook_timestamp_signature(
        SECRET, str(int(timestamp) - 1), delivery.body
    )
    assert json.loads(delivery.body)["order"]["status"] == "IN_TRANSIT"
    assert baywater.state()["webhook_signing"] == "timestamp_body"
