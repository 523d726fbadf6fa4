from partners.sandbox.orders import OrderCounters
from tests.partners.sandbox.client import call
from tests.partners.sandbox.picks import UNKNOWN_GTIN, gtin_carried_elsewhere, in_stock


def order_lines(*lines):
    return {"lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines]}


def place(client, key, *lines):
    return client.post_json("/v1/orders", order_lines(*lines), {"Idempotency-Key": key})


def test_without_an_api_key_the_answer_is_401(threadline):
    _, item = in_stock(threadline)

    reply = call("GET", f"{threadline.base_url}/v1/products/by-barcode/{item.variant.gtin}")

    assert reply.status == 401
    assert reply.json() == {
        "error": {"code": "unauthorized", "message": "Missing X-Api-Key header"}
    }


def test_a_wrong_api_key_is_refused_and_places_no_order(threadline):
    _, item = in_stock(threadline)

    reply = call(
        "POST",
        f"{threadline.base_url}/v1/orders",
        headers={"X-Api-Key": "tl_wrong", "Idempotency-Key": "k-1"},
        body=b'{"lines": [{"sku": "%s", "quantity": 1}]}' % item.sku.encode(),
    )

    assert reply.status == 401
    assert reply.json()["error"]["message"] == "Invalid API key"
    assert threadline.counters() == OrderCounters(orders_created=0, order_requests=1)


def test_lookup_by_barcode_returns_the_whole_product_and_the_matched_sku(
    threadline, threadline_client
):
    offer, item = in_stock(threadline)

    reply = threadline_client.get(f"/v1/products/by-barcode/{item.variant.gtin}")

    assert reply.status == 200
    assert reply.content_type == "application/json"
    product = reply.json()
    assert product["matched_sku"] == item.sku
    assert product["product_number"] == offer.product_number
    assert product["name"] == offer.product.name
    assert product["brand"] == offer.product.brand
    assert product["currency"] == "GBP"
    assert [variant["sku"] for variant in product["variants"]] == [
        entry.sku for entry in offer.variants
    ]
    matched = next(variant for variant in product["variants"] if variant["sku"] == item.sku)
    assert matched == {
        "sku": item.sku,
        "gtin": item.variant.gtin,
        "size": item.variant.size.label,
        "colour": item.variant.colour.name,
        "price_cents": int(offer.cost * 100),
        "rrp_cents": int(offer.rrp * 100),
        "stock": item.stock,
    }
    assert product["images"] == [
        f"{threadline.base_url}/images/{sku}.svg" for sku in offer.image_skus()
    ]


def test_a_barcode_threadline_does_not_carry_is_404(threadline, threadline_client):
    for gtin in (gtin_carried_elsewhere(threadline), UNKNOWN_GTIN):
        reply = threadline_client.get(f"/v1/products/by-barcode/{gtin}")

        assert reply.status == 404
        assert reply.json() == {
            "error": {
                "code": "not_found",
                "message": f"Barcode {gtin} is not in the Threadline range",
            }
        }


def test_lookup_by_product_number(threadline, threadline_client):
    offer = threadline.catalog.offers[5]

    found = threadline_client.get(f"/v1/products/{offer.product_number}")
    missing = threadline_client.get("/v1/products/TL-00000")

    assert found.status == 200
    assert found.json()["name"] == offer.product.name
    assert "matched_sku" not in found.json()
    assert missing.status == 404


def test_search_by_name_matches_every_word_and_honours_the_limit(threadline, threadline_client):
    expected = sorted(
        offer.product_number
        for offer in threadline.catalog.offers
        if "jumper" in offer.product.name.lower() and "crew" in offer.product.name.lower()
    )

    everything = threadline_client.get("/v1/products?q=Crew%20JUMPER").json()
    first_two = threadline_client.get("/v1/products?q=crew+jumper&limit=2").json()

    assert len(expected) > 2
    assert [item["product_number"] for item in everything["items"]] == expected
    assert everything["count"] == len(expected)
    assert [item["product_number"] for item in first_two["items"]] == expected[:2]
    assert first_two["count"] == len(expected)


def test_search_needs_a_text_and_a_sane_limit(threadline_client):
    assert threadline_client.get("/v1/products").status == 400
    assert threadline_client.get("/v1/products?q=jumper&limit=0").status == 400
    assert threadline_client.get("/v1/products?q=jumper&limit=51").status == 400


def test_similar_lists_the_partners_similar_products(threadline, threadline_client):
    offer = threadline.catalog.offers[0]

    reply = threadline_client.get(f"/v1/products/{offer.product_number}/similar")

    assert reply.status == 200
    assert [item["product_number"] for item in reply.json()["items"]] == list(offer.similar)


def test_an_order_is_created_once_and_a_repeated_key_returns_the_original(
    threadline, threadline_client
):
    offer, item = in_stock(threadline)

    first = place(threadline_client, "ea-order-17", (item.sku, 1))
    repeat = place(threadline_client, "ea-order-17", (item.sku, 1))

    assert first.status == 201
    assert repeat.status == 200
    assert first.json() == repeat.json()
    order = first.json()
    assert order["id"] == "TLO-000001"
    assert order["status"] == "accepted"
    assert order["idempotency_key"] == "ea-order-17"
    assert order["lines"] == [
        {
            "sku": item.sku,
            "quantity": 1,
            "price_cents": int(offer.cost * 100),
            "status": "accepted",
            "reject_reason": None,
        }
    ]
    assert order["total_cents"] == int(offer.cost * 100)
    assert order["shipment"] is None
    assert threadline.counters() == OrderCounters(orders_created=1, order_requests=2)
    assert threadline.orders.stock(item.sku) == item.stock - 1


def test_a_repeated_key_never_creates_a_second_order_even_with_other_lines(
    threadline, threadline_client
):
    _, item = in_stock(threadline)
    _, other = in_stock(threadline, skip=1)

    first = place(threadline_client, "same-key", (item.sku, 1))
    different = place(threadline_client, "same-key", (other.sku, 2))

    assert different.status == 200
    assert different.json()["lines"] == first.json()["lines"]
    assert threadline.counters().orders_created == 1
    assert threadline.orders.stock(other.sku) == other.stock


def test_an_order_without_an_idempotency_key_is_refused(threadline, threadline_client):
    _, item = in_stock(threadline)

    reply = threadline_client.post_json("/v1/orders", order_lines((item.sku, 1)))

    assert reply.status == 400
    assert reply.json()["error"]["code"] == "idempotency_key_missing"
    assert threadline.counters() == OrderCounters(orders_created=0, order_requests=1)


def test_an_unknown_sku_is_422_and_no_order_or_stock_change(threadline, threadline_client):
    _, item = in_stock(threadline)

    reply = place(threadline_client, "k-unknown", (item.sku, 1), ("TL-00000-NAV-M", 1))

    assert reply.status == 422
    assert reply.json() == {
        "error": {"code": "unknown_sku", "message": "Unknown SKU 'TL-00000-NAV-M'"}
    }
    assert threadline.counters().orders_created == 0
    assert threadline.orders.stock(item.sku) == item.stock


def test_a_line_short_of_stock_is_rejected_and_the_others_accepted(threadline, threadline_client):
    offer, item = in_stock(threadline)
    _, short = in_stock(threadline, skip=1)

    reply = place(threadline_client, "k-short", (item.sku, 2), (short.sku, short.stock + 1))

    order = reply.json()
    assert reply.status == 201
    assert order["status"] == "accepted"
    assert [(line["status"], line["reject_reason"]) for line in order["lines"]] == [
        ("accepted", None),
        ("rejected", "insufficient_stock"),
    ]
    assert order["total_cents"] == 2 * int(offer.cost * 100)
    assert threadline.orders.stock(short.sku) == short.stock


def test_an_order_with_every_line_short_is_rejected(threadline, threadline_client):
    _, item = in_stock(threadline)

    reply = place(threadline_client, "k-all-short", (item.sku, item.stock + 1))

    assert reply.status == 201
    assert reply.json()["status"] == "rejected"
    assert reply.json()["total_cents"] == 0


def test_malformed_lines_are_422(threadline_client):
    for payload in ({}, {"lines": []}, {"lines": [{"sku": "x", "quantity": 0}]}, [1, 2]):
        reply = threadline_client.post_json("/v1/orders", payload, {"Idempotency-Key": "k-bad"})
        assert reply.status == 422, payload


def test_order_status_moves_to_shipped_with_tracking_then_delivered(threadline, threadline_client):
    _, item = in_stock(threadline)
    order_id = place(threadline_client, "k-ship", (item.sku, 1)).json()["id"]

    threadline.order_advance(order_id)
    shipped = threadline_client.get(f"/v1/orders/{order_id}").json()
    threadline.order_advance(order_id)
    delivered = threadline_client.get(f"/v1/orders/{order_id}").json()

    assert shipped["status"] == "shipped"
    assert shipped["shipment"] == {
        "carrier": "Royal Mail",
        "tracking_number": "TL000000001GB",
        "tracking_url": f"{threadline.base_url}/track/TL000000001GB",
    }
    assert delivered["status"] == "delivered"
    assert delivered["shipment"] == shipped["shipment"]


def test_the_tracking_link_shows_the_parcel(threadline, threadline_client):
    _, item = in_stock(threadline)
    order_id = place(threadline_client, "k-track", (item.sku, 1)).json()["id"]
    shipment = threadline.order_advance(order_id).shipment

    page = call("GET", shipment.tracking_url)
    unknown = call("GET", f"{threadline.base_url}/track/TL999999999GB")

    assert page.status == 200
    assert b"Royal Mail" in page.body
    assert b"TL000000001GB: shipped" in page.body
    assert unknown.status == 404


def test_an_unknown_order_is_404(threadline_client):
    reply = threadline_client.get("/v1/orders/TLO-999999")

    assert reply.status == 404
    assert reply.json()["error"] == {"code": "not_found", "message": "No order TLO-999999"}


def test_cancel_before_shipping_puts_the_stock_back(threadline, threadline_client):
    _, item = in_stock(threadline)
    order_id = place(threadline_client, "k-cancel", (item.sku, 2)).json()["id"]

    cancelled = threadline_client.post_json(f"/v1/orders/{order_id}/cancel", {})
    again = threadline_client.post_json(f"/v1/orders/{order_id}/cancel", {})

    assert cancelled.status == 200
    assert cancelled.json()["status"] == "cancelled"
    assert again.status == 200
    assert again.json()["status"] == "cancelled"
    assert threadline.orders.stock(item.sku) == item.stock


def test_cancel_after_shipping_is_409_and_changes_nothing(threadline, threadline_client):
    _, item = in_stock(threadline)
    order_id = place(threadline_client, "k-late", (item.sku, 1)).json()["id"]
    threadline.order_advance(order_id)

    reply = threadline_client.post_json(f"/v1/orders/{order_id}/cancel", {})

    assert reply.status == 409
    assert reply.json()["error"] == {
        "code": "conflict",
        "message": f"Order {order_id} is shipped; cannot cancel",
    }
    assert threadline_client.get(f"/v1/orders/{order_id}").json()["status"] == "shipped"


def test_product_images_are_svg_drawn_by_the_sandbox(threadline):
    offer, item = in_stock(threadline)

    image = call("GET", threadline.image_url(item.sku))
    missing = call("GET", threadline.image_url("TL-00000-NAV-M"))

    assert image.status == 200
    assert image.content_type == "image/svg+xml"
    assert image.body.startswith(b'<svg xmlns="http://www.w3.org/2000/svg"')
    assert offer.product.name.encode() in image.body
    assert item.variant.colour.hex.encode() in image.body
    assert missing.status == 404


def test_an_unknown_path_is_404_and_a_wrong_method_405(threadline, threadline_client):
    assert threadline_client.get("/v2/nothing").status == 404
    reply = call("DELETE", f"{threadline.base_url}/v1/orders", headers=threadline_client.auth)
    assert reply.status == 405
    assert reply.headers["Allow"] == "POST"
