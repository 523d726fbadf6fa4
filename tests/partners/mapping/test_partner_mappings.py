"""Realistic mappings a merchandiser writes, run end to end: partner payload → canonical object."""

from datetime import date
from decimal import Decimal

from partners.mapping import (
    Address,
    ConfirmationLine,
    Contact,
    OrderConfirmation,
    OrderLine,
    OrderRequest,
    Product,
    SearchPage,
    Variant,
    compile_mapping,
    data_to_xml,
    response_mapping_input,
    validate_output,
    validate_request,
    xml_to_data,
)
from tests.partners.mapping.examples import (
    CENTS_LOOKUP_MAPPING,
    FLAT_SKU_LOOKUP_MAPPING,
    FLAT_SKU_SEARCH_MAPPING,
    PLACE_ORDER_RESPONSE_MAPPING,
    XML_CONFIRMATION,
    XML_PLACE_ORDER_REQUEST_MAPPING,
    XML_PLACE_ORDER_RESPONSE_MAPPING,
    cents_partner_body,
    flat_sku_body,
)


def respond(expression: str, operation: str, *, status: int = 200, body=None, given=None):
    mapping = compile_mapping(expression, operation=operation, direction="response")
    data = response_mapping_input(status=status, headers={"Content-Type": "x"}, body=body)
    return validate_output(operation, mapping.evaluate(data, bindings={"input": given or {}}))


def test_cents_partner_with_nested_variants():
    product = respond(CENTS_LOOKUP_MAPPING, "lookup", body=cents_partner_body(colours=2, sizes=2))

    assert product == Product(
        partner_product_id="SW-1001",
        name="Trail Runner 2",
        brand="Stridewell",
        description="A light trail shoe.",
        category="Shoes > Running",
        images=("https://cdn.stridewell.example/sw1001-1.jpg",),
        currency="EUR",
        similar=("SW-1002",),
        variants=tuple(
            Variant(
                partner_sku=f"SW-1001-{colour}-{40 + size}",
                gtin=("5012345678900", "4006381333931")[size],
                attributes={"colour": name, "size": str(40 + size)},
                cost=(Decimal("89.90"), Decimal("90.90"))[size],
                currency="EUR",
                available_quantity=size,
                delivery_days=2,
            )
            for colour, name in (("BLA", "Black"), ("BLU", "Blue"))
            for size in (0, 1)
        ),
    )


def test_cents_partner_with_one_colour_of_one_size_still_gives_lists():
    product = respond(CENTS_LOOKUP_MAPPING, "lookup", body=cents_partner_body(colours=1, sizes=1))

    assert [variant.partner_sku for variant in product.variants] == ["SW-1001-BLA-40"]
    assert product.similar == ("SW-1002",)


def test_cents_partner_404_means_not_carried():
    assert respond(CENTS_LOOKUP_MAPPING, "lookup", status=404, body={"error": "no"}) is None


def test_flat_sku_partner_groups_skus_and_reads_name_value_attributes():
    body = flat_sku_body()

    product = respond(FLAT_SKU_LOOKUP_MAPPING, "lookup", body=body)

    assert product == Product(
        partner_product_id="TL-200",
        name="Linen Shirt",
        brand="Threadline",
        currency="GBP",
        images=("https://img.threadline.example/TL-200.jpg",),
        variants=(
            Variant(
                partner_sku="TL-200-S",
                gtin="4006381333931",
                attributes={"size": "S", "colour": "White"},
                cost=Decimal("49.90"),
                currency="GBP",
                available_quantity=5,
                delivery_date=date(2025, 4, 2),
            ),
            Variant(
                partner_sku="TL-200-M",
                attributes={"size": "M", "colour": "White"},
                cost=Decimal("49.90"),
                currency="GBP",
                available_quantity=0,
                delivery_date=date(2025, 4, 2),
            ),
        ),
    )
    assert str(product.variants[0].cost) == "49.90"


def test_flat_sku_partner_without_items_does_not_carry_the_code():
    assert respond(FLAT_SKU_LOOKUP_MAPPING, "lookup", body={"items": []}) is None


def test_flat_sku_partner_search_groups_into_products():
    page = respond(FLAT_SKU_SEARCH_MAPPING, "search", body=flat_sku_body())

    assert page == SearchPage(
        products=(
            Product(
                "TL-200",
                name="Linen Shirt",
                currency="GBP",
                variants=(
                    Variant("TL-200-S", cost=Decimal("49.90"), currency="GBP"),
                    Variant("TL-200-M", cost=Decimal("49.90"), currency="GBP"),
                ),
            ),
            Product(
                "TL-300",
                name="Linen Trousers",
                currency="GBP",
                variants=(Variant("TL-300-M", cost=Decimal("69.00"), currency="GBP"),),
            ),
        ),
        next_page="c2",
        total=7,
    )


def test_place_order_409_is_a_duplicate_of_the_original_order():
    confirmation = respond(
        PLACE_ORDER_RESPONSE_MAPPING, "place_order", status=409, body={"order_id": "P-77"}
    )

    assert confirmation == OrderConfirmation("P-77", "accepted", duplicate=True)


def test_place_order_422_is_a_rejection_with_reasons():
    confirmation = respond(
        PLACE_ORDER_RESPONSE_MAPPING,
        "place_order",
        status=422,
        body={"errors": [{"sku": "TL-300-M", "message": "discontinued"}]},
        given={"reference": "EA-1001"},
    )

    assert confirmation == OrderConfirmation(
        "EA-1001",
        "rejected",
        lines=(ConfirmationLine(partner_sku="TL-300-M", accepted=False, reason="discontinued"),),
    )


def test_place_order_accepted():
    confirmation = respond(
        PLACE_ORDER_RESPONSE_MAPPING,
        "place_order",
        status=201,
        body={
            "order_id": "P-78",
            "state": "OK",
            "lines": [{"sku": "TL-200-S", "ok": True}],
            "ships_on": "2025-04-03",
        },
    )

    assert confirmation == OrderConfirmation(
        "P-78",
        "accepted",
        lines=(ConfirmationLine(partner_sku="TL-200-S", accepted=True),),
        expected_ship_date=date(2025, 4, 3),
    )


def test_xml_partner_order_round_trip():
    order = OrderRequest(
        reference="EA-1001",
        idempotency_key="EA-1001-TH",
        lines=(
            OrderLine(
                partner_sku="TL-200-S", quantity=2, unit_cost=Decimal("49.90"), currency="GBP"
            ),
            OrderLine(partner_sku="TL-300-M", quantity=1, unit_cost=Decimal("69"), currency="GBP"),
        ),
        ship_to=Address(
            name="Ann Smith", line1="1 High St", city="London", postal_code="W1 1AA", country="GB"
        ),
        customer=Contact(name="Ann Smith", email="ann@example.com"),
    )
    request = compile_mapping(
        XML_PLACE_ORDER_REQUEST_MAPPING, operation="place_order", direction="request"
    )

    parts = validate_request("place_order", request.evaluate(order.to_mapping_input()))

    assert parts.headers == {"X-Reference": "EA-1001"}
    assert data_to_xml(parts.body) == (
        '<?xml version="1.0" encoding="UTF-8"?><order ref="EA-1001">'
        "<customer><name>Ann Smith</name><email>ann@example.com</email></customer>"
        '<address country="GB"><street>1 High St</street><city>London</city><zip>W1 1AA</zip>'
        '</address><line sku="TL-200-S" qty="2"><price>49.90</price></line>'
        '<line sku="TL-300-M" qty="1"><price>69.00</price></line></order>'
    )

    confirmation = respond(
        XML_PLACE_ORDER_RESPONSE_MAPPING, "place_order", body=xml_to_data(XML_CONFIRMATION)
    )

    assert confirmation == OrderConfirmation(
        "TH-77812",
        "accepted",
        lines=(
            ConfirmationLine(partner_sku="TL-200-S", accepted=True),
            ConfirmationLine(partner_sku="TL-300-M", accepted=False, reason="Out of stock"),
        ),
        expected_ship_date=date(2025, 4, 3),
    )
