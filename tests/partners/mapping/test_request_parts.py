from decimal import Decimal

import pytest

from partners.mapping import RequestParts, ShapeError, compile_mapping, validate_request


def test_request_parts_are_normalised_for_the_http_client():
    parts = validate_request(
        "search",
        {
            "path": {"category": "shoes", "page": 2},
            "query": {"q": "trail", "page": 2, "in_stock": True, "size": [42, "43"], "c": None},
            "headers": {"Accept-Language": "en-GB", "X-Optional": None},
            "body": {"price": Decimal("89.9"), "quantity": Decimal("2")},
        },
    )

    assert parts == RequestParts(
        path={"category": "shoes", "page": "2"},
        query={"q": "trail", "page": "2", "in_stock": "true", "size": ["42", "43"]},
        headers={"Accept-Language": "en-GB"},
        body={"price": 89.9, "quantity": 2},
    )


def test_null_adds_nothing():
    assert validate_request("lookup", None) == RequestParts()


def test_every_request_problem_is_listed():
    with pytest.raises(ShapeError) as caught:
        validate_request(
            "lookup",
            {
                "heders": {},
                "path": {"code": "..", "other": {"a": 1}},
                "query": {"q": {"nested": True}, "ids": [1, [2]]},
                "headers": {
                    "X-Injected": "a\r\nSet-Cookie: x=1",
                    "X-Count": 3,
                    "Host": "internal.example",
                    "Bad Name": "x",
                },
            },
        )

    assert [(p.path, p.message, p.value) for p in caught.value.problems] == [
        ("heders", "is not a field we know (path, query, headers, body)", "{}"),
        ("path.code", "must be a usable path segment (not empty, . or ..)", '".."'),
        ("path.other", "must be text or a number", '{"a": 1}'),
        ("query.q", "must be text, a number or a list of them", '{"nested": true}'),
        ("query.ids", "must be a list of texts or numbers", "[1, [2]]"),
        ("headers.X-Injected", "must not contain line breaks", '"a\\r\\nSet-Cookie: x=1"'),
        ("headers.X-Count", "must be text (use $string(...) for numbers)", "3"),
        ("headers.Host", "is set by the HTTP client and cannot be mapped", '"internal.example"'),
        ("headers.Bad Name", "is not a valid header name", '"Bad Name"'),
    ]
    assert str(caught.value).startswith("lookup mapping result is not a valid request")


def test_a_request_mapping_result_validates():
    mapping = compile_mapping(
        '{"path": {"code": $.code}, "query": {"fields": ["price", "stock"]}}',
        operation="lookup",
        direction="request",
    )

    assert validate_request("lookup", mapping.evaluate({"code": "5012345678900"})) == (
        RequestParts(path={"code": "5012345678900"}, query={"fields": ["price", "stock"]})
    )
