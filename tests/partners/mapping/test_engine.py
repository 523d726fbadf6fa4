import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from partners.mapping import (
    EvaluatorUnavailable,
    MappingRuntimeError,
    MappingSyntaxError,
    compile_mapping,
    response_mapping_input,
    validate_output,
)
from partners.mapping.evaluator_pool import evaluator_pool
from tests.partners.mapping.examples import CENTS_LOOKUP_MAPPING, cents_partner_body


def lookup(expression: str):
    return compile_mapping(expression, operation="lookup", direction="response")


def test_syntax_error_names_operation_direction_and_position():
    with pytest.raises(MappingSyntaxError) as caught:
        compile_mapping('{"name": title', operation="search", direction="response")

    assert str(caught.value) == (
        "search response mapping: syntax error at line 1, column 15 (position 14): "
        "Expected } before end of expression"
    )
    assert (caught.value.position, caught.value.line, caught.value.column) == (14, 1, 15)


def test_syntax_error_position_counts_lines_of_a_long_mapping():
    expression = '{\n  "partner_product_id": id,\n  "name": title +\n}'

    with pytest.raises(MappingSyntaxError) as caught:
        lookup(expression)

    assert (caught.value.line, caught.value.column) == (4, 2)
    assert "The symbol } cannot be used as a unary operator" in str(caught.value)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("   ", "the mapping is empty"),
        ("a ! b", "KeyError"),  # jsonata-python's parser crashes on this instead of reporting
    ],
)
def test_unreadable_expressions_are_syntax_errors(expression, message):
    with pytest.raises(MappingSyntaxError, match=message):
        lookup(expression)


def test_a_regex_with_nested_repetition_is_refused_at_its_position():
    with pytest.raises(MappingSyntaxError) as caught:
        lookup("$match(name, /(\\w+\\s?)+$/)")

    assert caught.value.position == 13
    assert "repeats a part that itself repeats" in str(caught.value)


def test_unknown_operation_or_direction_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown operation"):
        compile_mapping("1", operation="teleport", direction="response")
    with pytest.raises(ValueError, match="unknown direction"):
        compile_mapping("1", operation="lookup", direction="sideways")


def test_runtime_error_carries_jsonata_code():
    mapping = lookup("body.price + 1")

    with pytest.raises(MappingRuntimeError) as caught:
        mapping.evaluate({"body": {"price": "cheap"}})

    assert caught.value.code == "T2001"
    assert str(caught.value) == (
        "lookup response mapping failed: The left side of the + operator must evaluate to a number"
    )


def test_returning_a_function_is_a_runtime_error():
    with pytest.raises(MappingRuntimeError, match="function or other non-data value"):
        lookup("function($x) { $x }").evaluate({})


def test_eval_is_refused():
    with pytest.raises(MappingRuntimeError, match=r"\$eval is not available"):
        lookup('$eval("1 + 1")').evaluate({})


def test_each_text_is_read_once_per_process(evaluators):
    lookup("body.id")
    evaluator_pool().shutdown()  # from now on, anything sent to an evaluator fails

    again = lookup("body.id")
    with pytest.raises(EvaluatorUnavailable, match="shut down"):
        lookup("body.name")

    assert again.expression == "body.id"


def test_decimal_in_input_is_a_number_and_fractions_come_back_as_decimal():
    mapping = compile_mapping(
        "{ 'total': unit_price * quantity, 'cents': $round(unit_price * 100) }",
        operation="place_order",
        direction="request",
    )

    result = mapping.evaluate({"unit_price": Decimal("89.90"), "quantity": 3})

    assert result == {"total": Decimal("269.7"), "cents": 8990}
    assert type(result["cents"]) is int


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("89.9 * 3", "269.7"),  # 269.70000000000005 as a float
        ("0.1 + 0.2", "0.3"),  # 0.30000000000000004 as a float
        ("1 / 3", "0.333333333333333"),
    ],
)
def test_float_results_keep_the_15_digits_a_double_holds(expression, expected):
    assert str(lookup(expression).evaluate(None)) == expected


def test_prices_in_cents_divided_by_100_are_exact_decimals():
    result = lookup("body.price_cents / 100").evaluate({"body": {"price_cents": 8990}})

    assert result == Decimal("89.90")
    assert str(result) == "89.9"


def test_bindings_are_variables():
    result = lookup('{"asked": $input.code, "status": status}').evaluate(
        response_mapping_input(status=200, headers={}, body=None),
        bindings={"input": {"code": "5012345678900"}},
    )

    assert result == {"asked": "5012345678900", "status": 200}


def test_bindings_cannot_replace_the_sandbox():
    with pytest.raises(ValueError, match="reserved by the sandbox"):
        lookup("1").evaluate({}, bindings={"pad": 1})


def test_response_input_lower_cases_header_names():
    data = response_mapping_input(status=200, headers={"ETag": '"v1"'}, body={"a": 1})

    assert lookup("headers.etag").evaluate(data) == '"v1"'


def test_lookup_mapping_depends_on_status():
    mapping = lookup(CENTS_LOOKUP_MAPPING)
    not_found = response_mapping_input(status=404, headers={}, body={"error": "unknown code"})

    assert validate_output("lookup", mapping.evaluate(not_found)) is None


def test_now_is_the_time_of_each_evaluation_in_every_thread():
    """jsonata-python's own $millis reads a per-thread copy that keeps its first timestamp."""
    mapping = lookup("$millis()")
    seen = []

    def twice():
        seen.append(mapping.evaluate({}))
        time.sleep(0.05)
        seen.append(mapping.evaluate({}))

    worker = threading.Thread(target=twice)
    worker.start()
    worker.join(timeout=10)

    assert seen[1] - seen[0] >= 50


def test_one_compiled_mapping_evaluated_from_8_threads_gives_each_its_own_result():
    mapping = lookup(CENTS_LOOKUP_MAPPING)
    # `$$` reads the evaluation's root; with a shared frame it would see another thread's input
    root_reader = lookup("$map([1..50], function($i) { $$.body.product.id })[49]")
    start = threading.Barrier(8)

    def run(worker: int) -> list[tuple[str, Decimal, str]]:
        body = cents_partner_body(colours=4, sizes=5)
        body["product"]["id"] = f"P-{worker}"
        for colour in body["product"]["colours"]:
            for size in colour["sizes"]:
                size["price_cents"] += worker
        data = response_mapping_input(status=200, headers={}, body=body)
        start.wait(timeout=10)
        seen = []
        for _ in range(40):
            product = validate_output("lookup", mapping.evaluate(data))
            seen.append(
                (product.partner_product_id, product.variants[19].cost, len(product.variants))
            )
            seen.append((root_reader.evaluate(data), Decimal(0), 0))
        return seen

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, range(8)))

    for worker, seen in enumerate(results):
        expected_cost = (Decimal(9390) + worker) / 100
        assert set(seen) == {
            (f"P-{worker}", expected_cost, 20),
            (f"P-{worker}", Decimal(0), 0),
        }
