import json

import pytest

from partners.mapping import PreviewError, PreviewResult, preview
from tests.partners.mapping.examples import (
    CENTS_LOOKUP_MAPPING,
    XML_CONFIRMATION,
    XML_PLACE_ORDER_RESPONSE_MAPPING,
    cents_partner_body,
)


def test_preview_shows_every_step():
    result = preview(
        CENTS_LOOKUP_MAPPING,
        json.dumps(cents_partner_body(colours=1, sizes=1)),
        operation="lookup",
        direction="response",
        operation_input={"code": "5012345678900"},
    )

    assert result.errors == ()
    assert result.ok
    assert result.parsed_input["status"] == 200
    assert result.parsed_input["body"]["product"]["colours"][0]["sizes"][0]["price_cents"] == 8990
    assert result.output["variants"] == [
        {
            "partner_sku": "SW-1001-BLA-40",
            "gtin": "5012345678900",
            "attributes": {"colour": "Black", "size": "40"},
            "cost": 89.9,
            "available_quantity": 0,
            "delivery_days": 2,
        }
    ]
    assert result.result["variants"][0]["cost"] == "89.9"
    assert result.result["variants"][0]["currency"] == "EUR"
    assert json.loads(json.dumps(result.result)) == result.result


def test_preview_reads_xml_samples():
    result = preview(
        XML_PLACE_ORDER_RESPONSE_MAPPING,
        XML_CONFIRMATION,
        operation="place_order",
        direction="response",
        input_format="xml",
    )

    assert result.errors == ()
    assert result.result == {
        "partner_order_id": "TH-77812",
        "status": "accepted",
        "lines": [
            {"partner_sku": "TL-200-S", "gtin": None, "accepted": True, "reason": None},
            {
                "partner_sku": "TL-300-M",
                "gtin": None,
                "accepted": False,
                "reason": "Out of stock",
            },
        ],
        "expected_ship_date": "2025-04-03",
        "duplicate": False,
    }


def test_preview_of_a_request_mapping():
    result = preview(
        '{"query": {"q": query, "page": page}}',
        '{"query": "trail shoe", "page": 2}',
        operation="search",
        direction="request",
    )

    assert result.result == {
        "path": {},
        "query": {"q": "trail shoe", "page": "2"},
        "headers": {},
        "body": None,
    }


def test_preview_lists_shape_problems_field_by_field():
    result = preview(
        '{"partner_product_id": body.id, "variants": body.skus.{"partner_sku": sku, '
        '"cost": price, "currency": "GBP"}}',
        '{"skus": [{"sku": "A", "price": -1}, {"price": 2}]}',
        operation="lookup",
        direction="response",
    )

    assert result.output == {
        "variants": [
            {"partner_sku": "A", "cost": -1, "currency": "GBP"},
            {"cost": 2, "currency": "GBP"},
        ]
    }
    assert result.result is None
    assert result.errors == (
        PreviewError("shape", "is required", "partner_product_id", "nothing"),
        PreviewError("shape", "must be 0 or more", "variants[0].cost", "-1"),
        PreviewError(
            "shape", "is required unless gtin is given", "variants[1].partner_sku", "nothing"
        ),
    )


def test_preview_reports_the_syntax_error_position():
    result = preview("body.(", "{}", operation="lookup", direction="response")

    assert result.errors == (
        PreviewError(
            "syntax",
            "lookup response mapping: syntax error at line 1, column 7 (position 6): "
            "Expected ) before end of expression",
            "line 1, column 7",
        ),
    )
    assert result.parsed_input == {"status": 200, "headers": {}, "body": {}}


@pytest.mark.parametrize(
    ("sample", "input_format", "message"),
    [
        ('{"a": ', "json", "the sample is not valid JSON: Expecting value"),
        ("<!DOCTYPE a><a/>", "xml", "the sample is not valid XML: XML with a DTD"),
        ("[" * 100_000, "json", "the sample is not valid JSON"),
    ],
)
def test_preview_reports_a_broken_sample(sample, input_format, message):
    result = preview(
        "body", sample, operation="lookup", direction="response", input_format=input_format
    )

    assert result.parsed_input is None
    assert [error.stage for error in result.errors] == ["input"]
    assert result.errors[0].message.startswith(message)


def test_preview_reports_a_runaway_mapping():
    result = preview(
        "($f := function($x) { $f($x) + 1 }; $f(1))",
        "{}",
        operation="lookup",
        direction="response",
    )

    assert [error.stage for error in result.errors] == ["limit"]
    assert "nested deeper than 100 levels" in result.errors[0].message


@pytest.mark.parametrize(
    "expression",
    [
        "",
        "body.",
        "$undefined_function()",
        "[1..10000000]",
        "$eval('1')",
        "status / 0",
        "function($x) { $x }",
        "$match(body, /(a*)*/)",
        '{"partner_product_id": [1, 2]}',
    ],
)
@pytest.mark.parametrize("sample", ["", "null", "{}", "[1, 2]", '"text"', "{"])
@pytest.mark.parametrize("direction", ["request", "response"])
def test_preview_never_raises_for_user_mistakes(expression, sample, direction):
    result = preview(expression, sample, operation="lookup", direction=direction)

    assert isinstance(result, PreviewResult)
    assert result.errors or result.result is not None


def test_a_deeply_nested_sample_is_an_input_error_naming_the_bound():
    levels = 100_000

    result = preview("body", "[" * levels + "]" * levels, operation="lookup", direction="response")

    assert result.errors == (
        PreviewError(
            "input", "the sample is not valid JSON: the JSON is nested deeper than 64 levels"
        ),
    )
