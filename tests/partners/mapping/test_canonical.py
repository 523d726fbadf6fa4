from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from partners.mapping import (
    Address,
    Availability,
    ConfirmationLine,
    Contact,
    OrderConfirmation,
    OrderLine,
    OrderRequest,
    OrderStatusUpdate,
    Product,
    SearchPage,
    ShapeError,
    StatusLine,
    Variant,
    gtin_check_digit,
    gtin_problem,
    validate_output,
    validate_product,
    validate_variant,
)


def problems_of(error: ShapeError) -> list[tuple[str, str, str]]:
    return [(problem.path, problem.message, problem.value) for problem in error.problems]


def test_a_product_needs_only_its_id():
    assert validate_output("lookup", {"partner_product_id": "SW-1001"}) == Product("SW-1001")


def test_a_variant_needs_only_its_sku():
    assert validate_variant({"partner_sku": "SW-1001-42"}, operation="lookup") == Variant(
        "SW-1001-42"
    )


def test_whole_number_ids_become_text():
    product = validate_product(
        {"partner_product_id": 1001, "variants": [{"partner_sku": 100142}], "similar": [1002]},
        operation="lookup",
    )

    assert (product.partner_product_id, product.variants[0].partner_sku) == ("1001", "100142")
    assert product.similar == ("1002",)


def test_a_full_product_is_read_into_typed_fields():
    product = validate_output(
        "lookup",
        {
            "partner_product_id": "SW-1001",
            "name": "Trail Runner 2",
            "brand": "Stridewell",
            "description": "A light trail shoe.",
            "category": "Shoes > Running",
            "images": ["https://cdn.example/1.jpg", "http://cdn.example/2.jpg"],
            "currency": "EUR",
            "similar": ["SW-1002", "SW-1003"],
            "variants": [
                {
                    "partner_sku": "SW-1001-42",
                    "gtin": "5012345678900",
                    "attributes": {"size": 42, "colour": "Black", "width": None},
                    "cost": "89.90",
                    "msrp": "149.00",
                    "available_quantity": 3,
                    "delivery_days": 2,
                },
                {
                    "partner_sku": "SW-1001-43",
                    "cost": Decimal("95"),
                    "currency": "GBP",
                    "delivery_date": "2025-04-02",
                },
            ],
        },
    )

    assert product == Product(
        partner_product_id="SW-1001",
        name="Trail Runner 2",
        brand="Stridewell",
        description="A light trail shoe.",
        category="Shoes > Running",
        images=("https://cdn.example/1.jpg", "http://cdn.example/2.jpg"),
        currency="EUR",
        similar=("SW-1002", "SW-1003"),
        variants=(
            Variant(
                partner_sku="SW-1001-42",
                gtin="5012345678900",
                attributes={"size": "42", "colour": "Black"},
                cost=Decimal("89.90"),
                msrp=Decimal("149.00"),
                currency="EUR",  # from the product
                available_quantity=3,
                delivery_days=2,
            ),
            Variant(
                partner_sku="SW-1001-43",
                cost=Decimal("95"),
                currency="GBP",
                delivery_date=date(2025, 4, 2),
            ),
        ),
    )
    assert str(product.variants[0].cost) == "89.90"


def test_numbers_parsed_as_floats_by_a_caller_are_read_like_mapping_output():
    variant = validate_variant(
        {"partner_sku": "A", "cost": 89.9, "currency": "GBP", "available_quantity": 3.0},
        operation="lookup",
    )

    assert (variant.cost, variant.available_quantity) == (Decimal("89.9"), 3)


def test_single_items_and_absent_lists_are_read_as_lists():
    """JSONata unwraps one-item lists and drops empty ones; a product must not depend on that."""
    product = validate_product(
        {
            "partner_product_id": "SW-1001",
            "images": "https://cdn.example/1.jpg",
            "variants": {"partner_sku": "SW-1001-42"},
            "similar": "SW-1002",
        },
        operation="lookup",
    )

    assert product.images == ("https://cdn.example/1.jpg",)
    assert product.variants == (Variant("SW-1001-42"),)
    assert product.similar == ("SW-1002",)


def test_every_problem_is_listed_with_path_and_value():
    with pytest.raises(ShapeError) as caught:
        validate_output(
            "lookup",
            {
                "partner_product_id": "",
                "nmae": "Trail Runner 2",
                "currency": "eur",
                "images": ["https://cdn.example/1.jpg", "ftp://cdn.example/2.jpg"],
                "variants": [
                    {"partner_sku": "A", "gtin": "5012345678901"},
                    {"cost": 10, "available_quantity": 2.5},
                    {"partner_sku": "C", "cost": -1, "delivery_date": "next week"},
                    {"partner_sku": "D", "gtin": 5012345678900, "attributes": {"size": [42]}},
                ],
                "similar": [True],
            },
        )

    assert problems_of(caught.value) == [
        (
            "nmae",
            "is not a field we know (" + ", ".join(Product.__dataclass_fields__) + ")",
            '"Trail Runner 2"',
        ),
        ("currency", 'must be a 3-letter ISO 4217 code in capitals, e.g. "EUR"', '"eur"'),
        ("partner_product_id", "must not be empty", '""'),
        (
            "images[1]",
            "must be a web address starting with http:// or https://",
            '"ftp://cdn.example/2.jpg"',
        ),
        (
            "variants[0].gtin",
            "has a wrong check digit (the last digit should be 0)",
            '"5012345678901"',
        ),
        ("variants[1].partner_sku", "is required unless gtin is given", "nothing"),
        (
            # The product's currency is wrong, so the variant's cost has none.
            "variants[1].currency",
            "is required when cost or msrp is given: an amount without its currency is a guess "
            '(set it on the variant or on the product, e.g. "GBP")',
            "nothing",
        ),
        ("variants[1].available_quantity", "must be a whole number", "2.5"),
        ("variants[2].cost", "must be 0 or more", "-1"),
        ("variants[2].delivery_date", 'must be an ISO date, e.g. "2025-03-31"', '"next week"'),
        ("variants[3].gtin", "must be text (a number loses leading zeros)", "5012345678900"),
        ("variants[3].attributes.size", "must be text", "[42]"),
        ("similar[0]", "must be text or a whole number", "true"),
    ]
    assert str(caught.value).startswith(
        "lookup mapping result is not a valid product (13 problems):\n"
        "  - lookup: nmae: is not a field we know ("
    )
    assert all(problem.operation == "lookup" for problem in caught.value.problems)


def test_long_values_are_cut_short_in_problems():
    with pytest.raises(ShapeError) as caught:
        validate_product({"partner_product_id": "X", "brand": ["A" * 100]}, operation="search")

    assert problems_of(caught.value) == [("brand", "must be text", '["' + "A" * 57 + "…")]


def test_a_list_field_of_the_wrong_kind_hints_at_the_list_suffix():
    with pytest.raises(ShapeError) as caught:
        validate_product({"partner_product_id": "X", "variants": "SW-1"}, operation="lookup")

    (problem,) = caught.value.problems
    assert problem.path == "variants"
    assert "add [] to the path to keep a list, e.g. body.items[]" in problem.message


@pytest.mark.parametrize(
    "code", ["5012345678900", "4006381333931", "036000291452", "96385074", "00012345600012"]
)
def test_valid_gtins(code):
    assert gtin_problem(code) is None
    assert gtin_check_digit(code[:-1]) == int(code[-1])


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("5012345678901", "has a wrong check digit (the last digit should be 0)"),
        ("036000291453", "has a wrong check digit (the last digit should be 2)"),
        ("96385075", "has a wrong check digit (the last digit should be 4)"),
        ("501234567890", None),  # 12 digits whose last digit happens to be right
        ("50123456789", "must be 8, 12, 13 or 14 digits"),
        ("501234567890O", "must be 8, 12, 13 or 14 digits"),
        (
            "".join(chr(0xFF10 + int(digit)) for digit in "5012345678900"),
            "must be 8, 12, 13 or 14 digits",
        ),
    ],
)
def test_gtin_problems(code, problem):
    assert gtin_problem(code) == problem


def test_search_accepts_a_page_a_bare_list_a_lone_product_and_null():
    page = {"products": [{"partner_product_id": "A"}], "next_page": 2, "total": 31}

    assert validate_output("search", page) == SearchPage((Product("A"),), next_page=2, total=31)
    assert validate_output(
        "search", [{"partner_product_id": "A"}, {"partner_product_id": "B"}]
    ) == (SearchPage((Product("A"), Product("B"))))
    assert validate_output("search", {"partner_product_id": "A"}) == SearchPage((Product("A"),))
    assert validate_output("search", None) == SearchPage()


def test_search_page_problems_name_the_product():
    with pytest.raises(ShapeError) as caught:
        validate_output("search", {"products": [{"partner_product_id": "A"}, {}], "total": -1})

    assert problems_of(caught.value) == [
        ("products[1].partner_product_id", "is required", "nothing"),
        ("total", "must be 0 or more", "-1"),
    ]


def test_similar_accepts_products_and_bare_ids():
    assert validate_output("similar", ["A", 7, {"partner_product_id": "B", "name": "Boot"}]) == [
        Product("A"),
        Product("7"),
        Product("B", name="Boot"),
    ]
    assert validate_output("similar", "A") == [Product("A")]
    assert validate_output("similar", None) == []


def test_order_confirmation():
    assert validate_output(
        "place_order",
        {
            "partner_order_id": "TH-1",
            "status": "accepted",
            "lines": [
                {"partner_sku": "A", "accepted": True},
                {"partner_sku": "B", "accepted": False, "reason": "Out of stock"},
            ],
            "expected_ship_date": "2025-04-03T09:00:00Z",
        },
    ) == OrderConfirmation(
        partner_order_id="TH-1",
        status="accepted",
        lines=(
            ConfirmationLine(partner_sku="A", accepted=True),
            ConfirmationLine(partner_sku="B", accepted=False, reason="Out of stock"),
        ),
        expected_ship_date=date(2025, 4, 3),
        duplicate=False,
    )


def test_order_confirmation_problems():
    with pytest.raises(ShapeError) as caught:
        validate_output(
            "place_order",
            {"status": "ok", "lines": [{"partner_sku": "A", "accepted": "yes"}], "duplicate": 1},
        )

    assert problems_of(caught.value) == [
        ("lines[0].accepted", "must be true or false", '"yes"'),
        ("partner_order_id", "is required", "nothing"),
        (
            "status",
            '"ok" is not one of our statuses (accepted, rejected, pending): map the partner\'s '
            "word to one of them, e.g. with $lookup",
            '"ok"',
        ),
        ("duplicate", "must be true or false", "1"),
    ]


def test_order_status_update_for_order_status_and_cancel_order():
    data = {
        "partner_order_id": "TH-1",
        "status": "shipped",
        "lines": {"partner_sku": "A", "quantity": 2},
        "carrier": "DHL",
        "tracking_number": 123456789,
        "tracking_url": "https://track.example/123456789",
        "at": "2025-04-03T10:15:00",
    }
    expected = OrderStatusUpdate(
        partner_order_id="TH-1",
        status="shipped",
        lines=(StatusLine(partner_sku="A", quantity=2),),
        carrier="DHL",
        tracking_number="123456789",
        tracking_url="https://track.example/123456789",
        at=datetime(2025, 4, 3, 10, 15, tzinfo=UTC),  # no zone given: UTC
    )

    assert validate_output("order_status", data) == expected
    assert validate_output("cancel_order", {"partner_order_id": "TH-1", "status": "cancelled"}) == (
        OrderStatusUpdate("TH-1", "cancelled")
    )


def test_order_status_update_problems():
    with pytest.raises(ShapeError) as caught:
        validate_output(
            "order_status",
            {
                "partner_order_id": "TH-1",
                "status": "lost",
                "lines": [{"partner_sku": "A", "quantity": 0}],
                "tracking_url": "javascript:alert(1)",
                "at": "yesterday",
            },
        )

    assert problems_of(caught.value) == [
        ("lines[0].quantity", "must be 1 or more", "0"),
        (
            "status",
            '"lost" is not one of our statuses (accepted, shipped, delivered, cancelled, '
            "rejected): map the partner's word to one of them, e.g. with $lookup",
            '"lost"',
        ),
        (
            "tracking_url",
            "must be a web address starting with http:// or https://",
            '"javascript:alert(1)"',
        ),
        ("at", 'must be an ISO date and time, e.g. "2025-03-31T14:05:00Z"', '"yesterday"'),
    ]


def test_lookup_null_means_not_carried():
    assert validate_output("lookup", None) is None


def test_unknown_operation_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown operation"):
        validate_output("teleport", {})


def order_request(**changes) -> OrderRequest:
    fields = {
        "reference": "EA-1001",
        "idempotency_key": "EA-1001-TH",
        "lines": (
            OrderLine(
                partner_sku="TL-200-S", quantity=2, unit_cost=Decimal("49.90"), currency="GBP"
            ),
        ),
        "ship_to": Address(
            name="Ann Smith", line1="1 High St", city="London", postal_code="W1 1AA", country="GB"
        ),
        "customer": Contact(name="Ann Smith", email="ann@example.com"),
    }
    return OrderRequest(**(fields | changes))


def test_order_request_mapping_input_is_plain_json():
    assert order_request().to_mapping_input() == {
        "reference": "EA-1001",
        "idempotency_key": "EA-1001-TH",
        "lines": [
            {
                "partner_sku": "TL-200-S",
                "gtin": None,
                "quantity": 2,
                "unit_cost": 49.9,
                "currency": "GBP",
            }
        ],
        "ship_to": {
            "name": "Ann Smith",
            "line1": "1 High St",
            "line2": None,
            "city": "London",
            "region": None,
            "postal_code": "W1 1AA",
            "country": "GB",
        },
        "customer": {"name": "Ann Smith", "email": "ann@example.com", "phone": None},
    }


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: order_request(lines=()), "at least one line"),
        (
            lambda: OrderLine(partner_sku="A", quantity=0, unit_cost=Decimal(1), currency="GBP"),
            "quantity must be more than 0",
        ),
        (
            lambda: OrderLine(partner_sku="A", quantity=1, unit_cost=1.5, currency="GBP"),
            "unit_cost must be a Decimal",
        ),
        (
            lambda: OrderLine(partner_sku="A", quantity=1, unit_cost=Decimal(1), currency="gbp"),
            "ISO 4217",
        ),
        (
            lambda: Address(name="A", line1="B", city="C", postal_code="D", country="GBR"),
            "alpha-2",
        ),
    ],
)
def test_order_request_refuses_impossible_orders(build, message):
    with pytest.raises(ValueError, match=message):
        build()


# --- Money: cost and MSRP in one currency per variant ---


def test_a_variant_carries_cost_and_msrp_in_the_products_currency():
    product = validate_product(
        {
            "partner_product_id": "SW-1",
            "currency": "GBP",
            "variants": [{"partner_sku": "SW-1-42", "cost": "41.20", "msrp": 89}],
        },
        operation="lookup",
    )

    assert product.variants == (
        Variant("SW-1-42", cost=Decimal("41.20"), msrp=Decimal("89"), currency="GBP"),
    )


def test_an_amount_without_any_currency_is_refused():
    with pytest.raises(ShapeError) as caught:
        validate_variant({"partner_sku": "A", "msrp": 89}, operation="lookup")

    assert problems_of(caught.value) == [
        (
            "currency",
            "is required when cost or msrp is given: an amount without its currency is a guess "
            '(set it on the variant or on the product, e.g. "GBP")',
            "nothing",
        )
    ]


def test_a_variant_without_amounts_needs_no_currency():
    assert validate_variant({"partner_sku": "A", "available_quantity": 2}, operation="lookup") == (
        Variant("A", available_quantity=2)
    )


def test_price_is_refused_with_what_to_write_instead():
    with pytest.raises(ShapeError) as caught:
        validate_variant({"partner_sku": "A", "price": 10, "currency": "GBP"}, operation="lookup")

    assert problems_of(caught.value) == [
        (
            "price",
            "is not a field we know (there is no price: map what the partner charges us to cost "
            "and its recommended retail price to msrp; our selling price is set by the catalogue)",
            "10",
        )
    ]


# --- Items named by SKU, GTIN or both; GTINs in the form partners see ---


def test_a_variant_may_be_named_by_its_gtin_alone_and_the_gtin_is_normalised():
    upc_a = validate_variant({"gtin": "036000291452"}, operation="lookup")
    case_of_six = validate_variant({"gtin": "15012345678907"}, operation="lookup")

    assert upc_a == Variant(gtin="0036000291452")
    assert case_of_six == Variant(gtin="15012345678907")


def test_an_order_line_by_gtin_alone_keeps_the_gtin_13_form():
    line = OrderLine(gtin="05012345678900", quantity=1, unit_cost=Decimal("3"), currency="GBP")

    assert (line.partner_sku, line.gtin) == (None, "5012345678900")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"partner_sku": None}, "an order line needs a partner_sku or a gtin"),
        ({"partner_sku": " "}, "partner_sku must be non-empty text"),
        (
            {"partner_sku": None, "gtin": "5012345678901"},
            "gtin: 5012345678901 has a wrong check digit: the last digit is 1, it should be 0",
        ),
    ],
)
def test_an_order_line_needs_an_item_it_can_name(changes, message):
    fields = {"partner_sku": "A", "quantity": 1, "unit_cost": Decimal(1), "currency": "GBP"}

    with pytest.raises(ValueError, match=message):
        OrderLine(**(fields | changes))


def test_the_order_a_mapping_receives_has_no_selling_price():
    line = OrderLine(
        partner_sku="A", gtin="5012345678900", quantity=1, unit_cost=Decimal(4), currency="GBP"
    )

    data = order_request(lines=(line,)).to_mapping_input()

    assert data["lines"] == [
        {
            "partner_sku": "A",
            "gtin": "5012345678900",
            "quantity": 1,
            "unit_cost": 4,
            "currency": "GBP",
        }
    ]
    assert set(data) == {"reference", "idempotency_key", "lines", "ship_to", "customer"}


def test_confirmation_and_status_lines_may_name_items_by_gtin():
    confirmation = validate_output(
        "place_order",
        {
            "partner_order_id": "BW-1",
            "status": "accepted",
            "lines": {"gtin": "5012345678900", "accepted": True},
        },
    )
    update = validate_output(
        "order_status",
        {"partner_order_id": "BW-1", "status": "shipped", "lines": {"gtin": "036000291452"}},
    )

    assert confirmation.lines == (ConfirmationLine(gtin="5012345678900", accepted=True),)
    assert update.lines == (StatusLine(gtin="0036000291452"),)


def test_a_confirmation_line_without_sku_or_gtin_is_refused():
    with pytest.raises(ShapeError) as caught:
        validate_output(
            "place_order",
            {"partner_order_id": "BW-1", "status": "accepted", "lines": [{"accepted": True}]},
        )

    assert problems_of(caught.value) == [
        ("lines[0].partner_sku", "is required unless gtin is given", "nothing")
    ]


# --- Status vocabularies ---


def test_a_missing_status_says_how_to_name_the_unmapped_word():
    with pytest.raises(ShapeError) as caught:
        validate_output("order_status", {"partner_order_id": "TH-1"})

    assert problems_of(caught.value) == [
        (
            "status",
            "is required: map each of the partner's statuses to one of ours (accepted, shipped, "
            "delivered, cancelled, rejected). A $lookup table without the partner's word leaves "
            "it empty; write $lookup({…}, body.state) ?: body.state so an unmapped word is named "
            "here",
            "nothing",
        )
    ]


# --- Availability-only partners ---


def test_an_availability_partner_answers_available_or_not():
    answer = {"available": True, "available_quantity": 3, "delivery_days": 2, "partner_sku": 77}

    assert validate_output("lookup", answer, lookup_kind="availability") == Availability(
        available=True, available_quantity=3, delivery_days=2, partner_sku="77"
    )
    assert validate_output("lookup", False, lookup_kind="availability") == Availability(False)
    assert validate_output("lookup", None, lookup_kind="availability") is None


def test_an_availability_partner_must_say_whether_and_nothing_more():
    with pytest.raises(ShapeError) as caught:
        validate_output(
            "lookup", {"partner_product_id": "X", "name": "Boot"}, lookup_kind="availability"
        )

    known = ", ".join(Availability.__dataclass_fields__)
    assert problems_of(caught.value) == [
        ("partner_product_id", f"is not a field we know ({known})", '"X"'),
        ("name", f"is not a field we know ({known})", '"Boot"'),
        ("available", "is required", "nothing"),
    ]
    assert str(caught.value).startswith("lookup mapping result is not a valid availability")


def test_a_product_partner_cannot_answer_availability_only():
    with pytest.raises(ShapeError) as caught:
        validate_output("lookup", {"available": True})

    assert problems_of(caught.value) == [
        (
            "available",
            "is not a field we know (" + ", ".join(Product.__dataclass_fields__) + ")",
            "true",
        ),
        ("partner_product_id", "is required", "nothing"),
    ]


def test_an_unknown_lookup_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown lookup kind 'price_list'"):
        validate_output("lookup", None, lookup_kind="price_list")
