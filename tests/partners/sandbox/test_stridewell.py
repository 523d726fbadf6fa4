import base64

import pytest

from partners.sandbox.orders import OrderCounters
from tests.partners.sandbox.client import PartnerClient, call, stridewell_token
from tests.partners.sandbox.picks import UNKNOWN_GTIN, gtin_carried_elsewhere, in_stock

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def token_request(stridewell, body: str, headers=None):
    return call(
        "POST",
        f"{stridewell.base_url}/oauth/token",
        headers={**FORM, **(headers or {})},
        body=body.encode(),
    )


def place(client, reference, *items):
    return client.post_json(
        "/api/v2/orders",
        {
            "client_reference": reference,
            "items": [{"sku_code": sku, "qty": qty} for sku, qty in items],
            "delivery": {"recipient": "Ada Lovelace", "post_code": "SW1A 1AA"},
        },
    )


def test_a_token_for_client_credentials_in_the_body(stridewell):
    reply = token_request(
        stridewell,
        "grant_type=client_credentials"
        f"&client_id={stridewell.client_id}&client_secret={stridewell.client_secret}",
    )

    assert reply.status == 200
    token = reply.json()
    assert set(token) == {"access_token", "token_type", "expires_in"}
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 300
    assert len(token["access_token"]) >= 32


def test_a_token_for_client_credentials_in_basic_auth(stridewell):
    basic = base64.b64encode(f"{stridewell.client_id}:{stridewell.client_secret}".encode())

    reply = token_request(
        stridewell, "grant_type=client_credentials", {"Authorization": f"Basic {basic.decode()}"}
    )

    assert reply.status == 200
    assert reply.json()["token_type"] == "Bearer"


def test_a_wrong_client_secret_gets_no_token(stridewell):
    reply = token_request(
        stridewell,
        f"grant_type=client_credentials&client_id={stridewell.client_id}&client_secret=nope",
    )

    assert reply.status == 401
    assert reply.json() == {
        "error": "invalid_client",
        "error_description": "Client authentication failed",
    }


def test_only_the_client_credentials_grant_is_supported(stridewell):
    reply = token_request(stridewell, "grant_type=password&username=a&password=b")

    assert reply.status == 400
    assert reply.json()["error"] == "unsupported_grant_type"


def test_without_a_bearer_token_the_api_is_401(stridewell):
    _, item = in_stock(stridewell)

    reply = call("GET", f"{stridewell.base_url}/api/v2/barcodes/{item.variant.gtin}")

    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"] == 'Bearer realm="stridewell"'
    assert reply.json()["error"] == "invalid_token"


def test_an_unknown_token_is_401(stridewell):
    client = PartnerClient(stridewell.base_url, {"Authorization": "Bearer made-up"})

    reply = client.get("/api/v2/skus?query=boot")

    assert reply.status == 401
    assert reply.json()["error_description"] == "The access token is not recognised"


def test_an_expired_token_is_401_until_the_client_fetches_a_new_one(stridewell):
    old = PartnerClient(
        stridewell.base_url, {"Authorization": f"Bearer {stridewell_token(stridewell)}"}
    )
    stridewell.tokens_expire()
    new = PartnerClient(
        stridewell.base_url, {"Authorization": f"Bearer {stridewell_token(stridewell)}"}
    )

    refused = old.get("/api/v2/skus?query=boot")

    assert refused.status == 401
    assert refused.json()["error_description"] == "The access token expired"
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    assert new.get("/api/v2/skus?query=boot").status == 200


def test_lookup_by_barcode_returns_one_flat_sku(stridewell, stridewell_client):
    offer, item = in_stock(stridewell)

    reply = stridewell_client.get(f"/api/v2/barcodes/{item.variant.gtin}")

    assert reply.status == 200
    assert reply.json() == {
        "data": {
            "sku_code": item.sku,
            "style_no": offer.product_number,
            "title": offer.product.name,
            "brand": offer.product.brand,
            "description": offer.product.description,
            "category": offer.product.category.value.upper(),
            "barcode": item.variant.gtin,
            "attributes": [
                {"name": "size", "value": item.variant.size.label},
                {"name": "colour", "value": item.variant.colour.name},
            ],
            "unit_price": f"{offer.cost:.2f}",
            "rrp": f"{offer.rrp:.2f}",
            "currency": "GBP",
            "qty_available": item.stock,
            "lead_time_days": offer.lead_time_days,
            "image_url": f"{stridewell.base_url}/images/{item.sku}.svg",
        }
    }


def test_a_barcode_stridewell_does_not_carry_is_404(stridewell, stridewell_client):
    for gtin in (gtin_carried_elsewhere(stridewell), UNKNOWN_GTIN):
        reply = stridewell_client.get(f"/api/v2/barcodes/{gtin}")

        assert reply.status == 404
        assert reply.json() == {
            "error": "not_found",
            "error_description": f"No SKU with barcode {gtin}",
        }


def test_lookup_by_style_returns_every_sku_of_the_style(stridewell, stridewell_client):
    offer = stridewell.catalog.offers[3]

    reply = stridewell_client.get(f"/api/v2/styles/{offer.product_number}")

    assert reply.status == 200
    assert [sku["sku_code"] for sku in reply.json()["data"]] == [
        item.sku for item in offer.variants
    ]
    assert {sku["style_no"] for sku in reply.json()["data"]} == {offer.product_number}
    assert stridewell_client.get("/api/v2/styles/SW00000").status == 404


def test_a_barcode_query_returns_every_sku_of_its_style(stridewell, stridewell_client):
    offer = stridewell.catalog.offers[5]
    scanned = offer.variants[-1].variant.gtin

    reply = stridewell_client.get(f"/api/v2/skus?barcode={scanned}")
    missing = stridewell_client.get(f"/api/v2/skus?barcode={UNKNOWN_GTIN}")

    assert reply.status == 200
    assert [sku["sku_code"] for sku in reply.json()["data"]] == [
        item.sku for item in offer.variants
    ]
    assert reply.json()["total"] == len(offer.variants)
    assert reply.json()["next_page"] is None
    assert missing.status == 404


def test_search_pages_through_every_matching_sku(stridewell, stridewell_client):
    expected = [item.sku for offer in stridewell.catalog.search("boot") for item in offer.variants]
    seen, page, pages = [], 1, []
    while page is not None:
        body = stridewell_client.get(f"/api/v2/skus?query=boot&page={page}&page_size=40").json()
        pages.append((body["page"], body["page_size"], body["total"], len(body["data"])))
        seen += [sku["sku_code"] for sku in body["data"]]
        page = body["next_page"]

    assert len(expected) > 80
    assert seen == expected
    full_pages, last = divmod(len(expected), 40)
    assert pages == [(number, 40, len(expected), 40) for number in range(1, full_pages + 1)] + (
        [(full_pages + 1, 40, len(expected), last)] if last else []
    )


def test_search_past_the_last_page_is_empty(stridewell_client):
    body = stridewell_client.get("/api/v2/skus?query=boot&page=999").json()

    assert body["data"] == []
    assert body["next_page"] is None
    assert body["total"] > 0


@pytest.mark.parametrize(
    "query", ["", "?query=", "?query=boot&page=0", "?query=boot&page_size=101", "?query=a&page=x"]
)
def test_search_refuses_bad_parameters(stridewell_client, query):
    reply = stridewell_client.get(f"/api/v2/skus{query}")

    assert reply.status == 400
    assert reply.json()["error"] == "invalid_request"


def test_similar_returns_the_skus_of_similar_styles(stridewell, stridewell_client):
    offer = stridewell.catalog.offers[0]

    reply = stridewell_client.get(f"/api/v2/styles/{offer.product_number}/similar")

    styles = list(dict.fromkeys(sku["style_no"] for sku in reply.json()["data"]))
    assert styles == list(offer.similar)


def test_an_order_is_created_once_and_a_repeat_is_409_with_the_original_id(
    stridewell, stridewell_client
):
    offer, item = in_stock(stridewell)

    first = place(stridewell_client, "EA-1001", (item.sku, 2))
    repeat = place(stridewell_client, "EA-1001", (item.sku, 2))

    assert first.status == 201
    order = first.json()
    assert order["order_id"] == "SO00000001"
    assert order["state"] == "CONFIRMED"
    assert order["client_reference"] == "EA-1001"
    assert order["order_value"] == f"{offer.cost * 2:.2f}"
    assert order["items"] == [
        {
            "sku_code": item.sku,
            "qty": 2,
            "unit_price": f"{offer.cost:.2f}",
            "state": "CONFIRMED",
            "rejection_reason": None,
        }
    ]
    assert order["delivery"] == {"recipient": "Ada Lovelace", "post_code": "SW1A 1AA"}
    assert order["dispatch"] is None
    assert repeat.status == 409
    assert repeat.json() == {
        "error": "duplicate_client_reference",
        "error_description": "An order with client_reference 'EA-1001' already exists",
        "order_id": "SO00000001",
    }
    assert stridewell.counters() == OrderCounters(orders_created=1, order_requests=2)
    assert stridewell.orders.stock(item.sku) == item.stock - 2


def test_an_order_needs_a_client_reference(stridewell, stridewell_client):
    _, item = in_stock(stridewell)

    reply = stridewell_client.post_json(
        "/api/v2/orders", {"items": [{"sku_code": item.sku, "qty": 1}]}
    )

    assert reply.status == 422
    assert reply.json()["error_description"] == "client_reference is required"
    assert stridewell.counters().orders_created == 0


def test_an_unknown_sku_code_is_422(stridewell, stridewell_client):
    reply = place(stridewell_client, "EA-unknown", ("SW00000001", 1))

    assert reply.status == 422
    assert reply.json()["error"] == "unknown_sku"
    assert stridewell.counters().orders_created == 0


def test_an_item_short_of_stock_is_rejected(stridewell, stridewell_client):
    _, item = in_stock(stridewell)

    reply = place(stridewell_client, "EA-short", (item.sku, item.stock + 1))

    assert reply.json()["state"] == "REJECTED"
    assert reply.json()["items"][0]["state"] == "REJECTED"
    assert reply.json()["items"][0]["rejection_reason"] == "OUT_OF_STOCK"


def test_dispatch_carries_carrier_and_tracking(stridewell, stridewell_client):
    _, item = in_stock(stridewell)
    order_id = place(stridewell_client, "EA-ship", (item.sku, 1)).json()["order_id"]

    stridewell.order_advance(order_id)
    dispatched = stridewell_client.get(f"/api/v2/orders/{order_id}").json()
    stridewell.order_advance(order_id)

    assert dispatched["state"] == "DISPATCHED"
    assert dispatched["dispatch"] == {
        "carrier": "DPD",
        "tracking_no": "SW000000001GB",
        "tracking_link": f"{stridewell.base_url}/track/SW000000001GB",
    }
    assert stridewell_client.get(f"/api/v2/orders/{order_id}").json()["state"] == "DELIVERED"


def test_cancellation_before_and_after_dispatch(stridewell, stridewell_client):
    _, item = in_stock(stridewell)
    _, other = in_stock(stridewell, skip=1)
    early = place(stridewell_client, "EA-c1", (item.sku, 1)).json()["order_id"]
    late = place(stridewell_client, "EA-c2", (other.sku, 1)).json()["order_id"]
    stridewell.order_advance(late)

    cancelled = stridewell_client.post_json(f"/api/v2/orders/{early}/cancellation", {})
    refused = stridewell_client.post_json(f"/api/v2/orders/{late}/cancellation", {})

    assert cancelled.status == 200
    assert cancelled.json()["state"] == "CANCELLED"
    assert stridewell.orders.stock(item.sku) == item.stock
    assert refused.status == 409
    assert refused.json()["error"] == "conflict"
    assert stridewell_client.get(f"/api/v2/orders/{late}").json()["state"] == "DISPATCHED"
