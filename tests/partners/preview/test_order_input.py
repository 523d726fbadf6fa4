"""The preview's sample order typed as JSON: read into an OrderRequest, or refused by field."""

import json
from decimal import Decimal

import pytest

from partners.mapping import order_request_sample
from partners.mapping.order_input import (
    MAX_ORDER_CHARS,
    MAX_ORDER_LINES,
    OrderInputError,
    order_request_from_json,
    order_request_to_json,
)


def sample_data() -> dict:
    return json.loads(order_request_to_json(order_request_sample()))


def problems_of(data) -> list[str]:
    with pytest.raises(OrderInputError) as refused:
        order_request_from_json(data if isinstance(data, str) else json.dumps(data))
    return refused.value.problems


def test_the_written_sample_reads_back_as_the_same_order():
    order = order_request_sample()

    assert order_request_from_json(order_request_to_json(order)) == order


def test_the_written_sample_has_two_lines_in_the_shape_mappings_receive():
    data = sample_data()

    assert data["lines"] == [
        {
            "partner_sku": "SAMPLE-SKU-1",
            "gtin": "5012345678900",
            "quantity": 1,
            "unit_cost": 12.5,
            "currency": "GBP",
        },
        {
            "partner_sku": "SAMPLE-SKU-2",
            "gtin": "4006381333931",
            "quantity": 2,
            "unit_cost": 7.25,
            "currency": "GBP",
        },
    ]
    assert set(data) == {"reference", "idempotency_key", "lines", "ship_to", "customer"}


def test_costs_are_read_exactly_and_a_line_may_name_only_its_gtin():
    data = sample_data()
    data["lines"] = [
        {"gtin": "4006381333931", "quantity": 3, "unit_cost": 19.99, "currency": "EUR"}
    ]

    order = order_request_from_json(json.dumps(data))

    assert order.lines[0].unit_cost == Decimal("19.99")
    assert (order.lines[0].partner_sku, order.lines[0].gtin) == (None, "4006381333931")


def test_every_wrong_field_is_named_at_once():
    data = sample_data()
    data["lines"][0]["quantity"] = 0
    del data["lines"][1]["currency"]
    data["ship_to"]["country"] = "England"
    data["customer"]["shoe_size"] = 9
    data["reference"] = ""

    assert problems_of(data) == [
        "lines[0]: quantity must be more than 0, got 0",
        "lines[1].currency: is required",
        "ship_to: country must be ISO 3166 alpha-2, got 'England'",
        "customer.shoe_size: is not a field of an order",
        'reference: must be text, got ""',
    ]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda data: data.update(lines=[]), "lines: must be a list of one line or more"),
        (
            lambda data: data["lines"][0].update(unit_cost="12.50"),
            'lines[0].unit_cost: must be a number, got "12.50"',
        ),
        (
            lambda data: data["lines"][0].update(gtin="5012345678901"),
            "lines[0]: gtin: 5012345678901 has a wrong check digit: the last digit is 1, it should "
            "be 0",
        ),
        (
            lambda data: data["lines"][0].update(partner_sku=None, gtin=None),
            "lines[0]: an order line needs a partner_sku or a gtin",
        ),
        (lambda data: data.update(ship_to="London"), "ship_to: must be an object"),
        (
            lambda data: data.update(lines=data["lines"] * (MAX_ORDER_LINES // 2 + 1)),
            f"lines: at most {MAX_ORDER_LINES} lines, got {MAX_ORDER_LINES + 2}",
        ),
    ],
)
def test_a_wrong_order_is_refused_with_the_field_named(change, problem):
    data = sample_data()
    change(data)

    assert problems_of(data) == [problem]


def test_text_that_is_not_json_or_not_an_object_is_refused():
    assert problems_of('{"lines": [') == [
        "the order is not valid JSON: Expecting value: line 1 column 12 (char 11)"
    ]
    assert problems_of("[1, 2]") == ["order: must be an object"]


def test_an_oversized_order_is_refused_before_it_is_read():
    text = json.dumps({"reference": "x" * MAX_ORDER_CHARS})

    assert problems_of(text) == [
        f"the order is {len(text):,} characters long; at most {MAX_ORDER_CHARS:,} are allowed"
    ]


def test_an_oversized_text_field_is_refused():
    data = sample_data()
    data["ship_to"]["line1"] = "x" * 201

    assert problems_of(data) == ["ship_to.line1: at most 200 characters, got 201"]


def test_a_deeply_nested_order_is_refused_naming_the_bound():
    levels = 10_000

    assert problems_of("[" * levels + "]" * levels) == [
        "the order is not valid JSON: the JSON is nested deeper than 64 levels"
    ]
