"""Every runaway mapping is stopped and reported with the bound that stopped it.

Each evaluation runs in a helper thread with a generous deadline, so a regression shows up as a
failed test instead of a hung suite; nothing here asserts how fast the machine is.
"""

import threading
import time
from typing import Any

import pytest

from partners.mapping import (
    Limit,
    MappingLimitExceeded,
    MappingLimits,
    MappingSyntaxError,
    compile_mapping,
)

DEADLINE_SECONDS = 30


def evaluate_bounded(expression: str, data: Any = None, limits: MappingLimits | None = None):
    """Evaluate in a helper thread; fail the test if it has not finished by the deadline."""
    mapping = compile_mapping(
        expression, operation="lookup", direction="response", limits=limits or MappingLimits()
    )
    outcome: dict[str, Any] = {}

    def run():
        try:
            outcome["result"] = mapping.evaluate(data)
        except Exception as error:
            outcome["error"] = error

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(DEADLINE_SECONDS)
    assert not worker.is_alive(), f"still running after {DEADLINE_SECONDS} s: {expression}"
    return outcome


def stopped_by(expression: str, data: Any = None, limits: MappingLimits | None = None) -> Limit:
    outcome = evaluate_bounded(expression, data, limits)
    error = outcome.get("error")
    assert isinstance(error, MappingLimitExceeded), outcome
    return error.limit


@pytest.mark.parametrize(
    ("expression", "limit"),
    [
        # jsonata turns a recursive tail call into a loop: only the clock stops it
        ("($f := function($x) { $f($x) }; $f(1))", Limit.TIMEOUT),
        ("($f := function($x) { $f($x) + 1 }; $f(1))", Limit.DEPTH),
        ("$sum($map([1..1000000], function($x) { $x * $x }))", Limit.TIMEOUT),
        ("[1..10000000]", Limit.INTERMEDIATE_SIZE),
        ("$map([1..3000], function($i) { [1..3000] })", Limit.INTERMEDIATE_SIZE),
        (
            "($f := function($s, $n) { $n = 0 ? $s : $f($s & $s, $n - 1) }; $f('x', 40))",
            Limit.INTERMEDIATE_SIZE,
        ),
        ("$map([1..2000], function($i) { $pad('', 999999, 'x') })", Limit.INTERMEDIATE_SIZE),
        ("[1..300000]", Limit.OUTPUT_SIZE),
        ("$pad('', 2000000000)", Limit.OUTPUT_SIZE),
        ("$join($map([1..100], function($i) { 'x' }), $pad('', 100000))", Limit.OUTPUT_SIZE),
        ("$replace($pad('', 1000, 'x'), 'x', $pad('', 10000, 'y'))", Limit.OUTPUT_SIZE),
        ("$string($map([1..100], function($i) { $pad('', 20000) }))", Limit.OUTPUT_SIZE),
        ("$contains($pad('', 30000, 'a'), /a+b/)", Limit.REGEX_SUBJECT),
        # `and` rewraps exceptions from its right side into a generic JSONata error
        ("true and ($f := function($x) { $f($x) + 1 }; $f(1))", Limit.DEPTH),
    ],
)
def test_runaway_expression_is_stopped_by(expression, limit):
    assert stopped_by(expression) is limit


def test_deeply_nested_expression_is_stopped_by_depth():
    assert stopped_by("[" * 150 + "1" + "]" * 150) is Limit.DEPTH


def test_deeply_nested_input_is_stopped_by_depth():
    data: dict = {}
    for _ in range(150):
        data = {"child": data}

    assert stopped_by("child", data) is Limit.DEPTH


def test_expression_too_deep_to_parse_is_a_syntax_error():
    with pytest.raises(MappingSyntaxError, match="nested too deeply"):
        compile_mapping("(" * 20000 + "1" + ")" * 20000, operation="lookup", direction="response")


def test_limits_are_configurable():
    tight = MappingLimits(timeout_ms=1000, max_depth=5)

    assert stopped_by("[[[[[[1]]]]]]", limits=tight) is Limit.DEPTH
    assert evaluate_bounded("[[[[1]]]]", limits=tight) == {"result": [[[[1]]]]}


def test_the_report_names_the_limit_for_a_merchandiser():
    error = evaluate_bounded("($f := function($x) { $f($x) + 1 }; $f(1))")["error"]

    assert str(error) == (
        "lookup response mapping was stopped: it nested deeper than 100 levels "
        "(usually a function that calls itself without a condition that ends it)."
    )


def test_the_clock_starts_at_each_evaluation_not_at_compile_time():
    """jsonata-python's constructor timeout counts from compilation (checked in 0.7.1)."""
    mapping = compile_mapping(
        "$sum([1..100])",
        operation="lookup",
        direction="response",
        limits=MappingLimits(timeout_ms=50),
    )
    time.sleep(0.1)

    assert mapping.evaluate(None) == 5050


def test_failed_evaluations_do_not_use_up_the_depth_of_later_ones():
    """jsonata-python's own depth counter is shared and not rewound after an error."""
    mapping = compile_mapping(
        "$n = 0 ? $error('boom') : [[[[[[[[1]]]]]]]]",
        operation="lookup",
        direction="response",
        limits=MappingLimits(max_depth=20),
    )
    for _ in range(50):
        with pytest.raises(Exception, match="boom"):
            mapping.evaluate(None, bindings={"n": 0})

    assert mapping.evaluate(None, bindings={"n": 1}) == [[[[[[[[1]]]]]]]]
