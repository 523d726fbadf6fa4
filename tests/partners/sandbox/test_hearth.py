from partners.sandbox.orders import OrderCounters
from tests.partners.sandbox.client import PartnerClient, basic_auth, call
from tests.partners.sandbox.picks import UNKNOWN_GTIN, gtin_carried_elsewhere, in_stock


def order_xml(reference, *lines, deliver_to="<DeliverTo><Name>Ada Lovelace</Name></DeliverTo>"):
    rows = "".join(f'<Line code="{code}" qty="{qty}"/>' for code, qty in lines)
    return f"<Order><OrderRef>{reference}</OrderRef>{deliver_to}<Lines>{rows}</Lines></Order>"


def test_without_credentials_the_answer_is_401_with_a_basic_challenge(hearth):
    reply = call("GET", f"{hearth.base_url}/api/items?name=mug")

    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"] == 'Basic realm="Hearth & Home", charset="UTF-8"'
    assert reply.content_type == "application/xml"
    assert reply.xml().findtext("Code") == "NotAuthorised"


def test_a_wrong_password_is_refused(hearth):
    client = PartnerClient(hearth.base_url, basic_auth(hearth.username, "guess"))

    reply = client.get("/api/items?name=mug")

    assert reply.status == 401
    assert reply.xml().findtext("Message") == "Unknown user or wrong password"


def test_malformed_basic_credentials_are_refused(hearth):
    client = PartnerClient(hearth.base_url, {"Authorization": "Basic !!!"})

    assert client.get("/api/items?name=mug").status == 401


def test_lookup_by_ean_returns_the_item_with_its_options(hearth, hearth_client):
    offer, option = in_stock(hearth)

    reply = hearth_client.get(f"/api/items/by-ean/{option.variant.gtin}")

    assert reply.status == 200
    assert reply.content_type == "application/xml"
    item = reply.xml()
    assert item.tag == "Item"
    assert item.findtext("ItemCode") == offer.product_number
    assert item.findtext("Description") == offer.product.name
    assert item.findtext("Brand") == offer.product.brand
    assert item.findtext("Details") == offer.product.description
    assert item.findtext("Price") == f"{offer.cost:.2f}"
    assert item.find("Price").get("currency") == "GBP"
    assert item.findtext("RRP") == f"{offer.rrp:.2f}"
    assert item.findtext("MatchedOption") == option.sku
    assert [image.get("href") for image in item.iter("Image")] == [
        f"{hearth.base_url}/images/{sku}.svg" for sku in offer.image_skus()
    ]
    matched = next(o for o in item.iter("Option") if o.get("code") == option.sku)
    assert matched.attrib == {
        "code": option.sku,
        "size": option.variant.size.label,
        "colour": option.variant.colour.name,
        "ean": option.variant.gtin,
        "stock": str(option.stock),
    }


def test_an_ean_hearth_does_not_stock_is_404_in_xml(hearth, hearth_client):
    for gtin in (gtin_carried_elsewhere(hearth), UNKNOWN_GTIN):
        reply = hearth_client.get(f"/api/items/by-ean/{gtin}")

        assert reply.status == 404
        assert reply.xml().findtext("Code") == "NotFound"
        assert reply.xml().findtext("Message") == f"EAN {gtin} is not stocked by Hearth & Home"


def test_lookup_by_item_code(hearth, hearth_client):
    offer = hearth.catalog.offers[7]

    reply = hearth_client.get(f"/api/items/{offer.product_number}")

    assert reply.xml().findtext("ItemCode") == offer.product_number
    assert reply.xml().find("MatchedOption") is None
    assert hearth_client.get("/api/items/HH00000").status == 404


def test_search_by_name_counts_all_and_returns_up_to_max(hearth, hearth_client):
    expected = [offer.product_number for offer in hearth.catalog.search("cushion cover")]

    everything = hearth_client.get("/api/items?name=Cushion+Cover").xml()
    first_three = hearth_client.get("/api/items?name=cushion%20cover&max=3").xml()

    assert len(expected) > 3
    assert [code.text for code in everything.iter("ItemCode")] == expected
    assert everything.get("count") == str(len(expected))
    assert [code.text for code in first_three.iter("ItemCode")] == expected[:3]
    assert first_three.get("count") == str(len(expected))
    assert hearth_client.get("/api/items?name=").status == 400
    assert hearth_client.get("/api/items?name=mug&max=101").status == 400


def test_similar_items(hearth, hearth_client):
    offer = hearth.catalog.offers[2]

    reply = hearth_client.get(f"/api/items/{offer.product_number}/similar")

    assert [code.text for code in reply.xml().iter("ItemCode")] == list(offer.similar)


def test_an_order_is_created_once_and_a_repeated_ref_returns_the_original(hearth, hearth_client):
    offer, option = in_stock(hearth)

    first = hearth_client.post_xml("/api/orders", order_xml("EA-77", (option.sku, 1)))
    repeat = hearth_client.post_xml("/api/orders", order_xml("EA-77", (option.sku, 1)))

    assert first.status == 201
    assert repeat.status == 200
    assert repeat.body == first.body
    order = first.xml()
    assert order.findtext("OrderNo") == "HH-ORD-000001"
    assert order.findtext("OrderRef") == "EA-77"
    assert order.findtext("Status") == "Accepted"
    assert order.findtext("Total") == f"{offer.cost:.2f}"
    assert order.find("./Lines/Line").attrib == {
        "code": option.sku,
        "qty": "1",
        "price": f"{offer.cost:.2f}",
        "status": "Accepted",
    }
    assert order.findtext("./DeliverTo/Name") == "Ada Lovelace"
    assert order.find("Despatch") is None
    assert hearth.counters() == OrderCounters(orders_created=1, order_requests=2)


def test_an_option_short_of_stock_is_rejected_with_a_reason(hearth, hearth_client):
    _, option = in_stock(hearth)

    reply = hearth_client.post_xml("/api/orders", order_xml("EA-short", (option.sku, 999)))

    assert reply.xml().findtext("Status") == "Rejected"
    assert reply.xml().find("./Lines/Line").get("reason") == "NoStock"


def test_orders_must_be_xml(hearth, hearth_client):
    _, option = in_stock(hearth)
    body = order_xml("EA-json", (option.sku, 1))

    wrong_type = hearth_client.post_xml("/api/orders", body, content_type="application/json")
    not_xml = hearth_client.post_xml("/api/orders", "<Order><OrderRef>EA-x</Order>")

    assert wrong_type.status == 415
    assert wrong_type.xml().findtext("Code") == "UnsupportedMediaType"
    assert not_xml.status == 400
    assert not_xml.xml().findtext("Code") == "BadRequest"
    assert hearth.counters() == OrderCounters(orders_created=0, order_requests=2)


def test_orders_need_a_ref_and_valid_lines(hearth, hearth_client):
    _, option = in_stock(hearth)

    for body in (
        order_xml("", (option.sku, 1)),
        order_xml("EA-1"),
        order_xml("EA-1", (option.sku, 0)),
        order_xml("EA-1", ("HH00000.NAT.OS", 1)),
    ):
        reply = hearth_client.post_xml("/api/orders", body)
        assert reply.status == 422, body

    assert hearth.counters().orders_created == 0


def test_despatch_then_delivery(hearth, hearth_client):
    _, option = in_stock(hearth)
    reply = hearth_client.post_xml("/api/orders", order_xml("EA-ship", (option.sku, 1)))
    order_no = reply.xml().findtext("OrderNo")

    hearth.order_advance(order_no)
    despatched = hearth_client.get(f"/api/orders/{order_no}").xml()
    hearth.order_advance(order_no)
    delivered = hearth_client.get(f"/api/orders/{order_no}").xml()

    assert despatched.findtext("Status") == "Despatched"
    assert despatched.find("Despatch").attrib == {
        "carrier": "Parcelforce",
        "tracking": "HH000000001GB",
        "url": f"{hearth.base_url}/track/HH000000001GB",
    }
    assert delivered.findtext("Status") == "Delivered"


def test_cancel_before_and_after_despatch(hearth, hearth_client):
    _, option = in_stock(hearth)
    _, other = in_stock(hearth, skip=1)
    early = hearth_client.post_xml("/api/orders", order_xml("EA-c1", (option.sku, 1)))
    late = hearth_client.post_xml("/api/orders", order_xml("EA-c2", (other.sku, 1)))
    late_no = late.xml().findtext("OrderNo")
    hearth.order_advance(late_no)

    cancelled = hearth_client.post_xml(f"/api/orders/{early.xml().findtext('OrderNo')}/cancel", "")
    refused = hearth_client.post_xml(f"/api/orders/{late_no}/cancel", "")

    assert cancelled.status == 200
    assert cancelled.xml().findtext("Status") == "Cancelled"
    assert hearth.orders.stock(option.sku) == option.stock
    assert refused.status == 409
    assert refused.xml().findtext("Code") == "Conflict"
    assert hearth_client.get("/api/orders/HH-ORD-999999").status == 404
