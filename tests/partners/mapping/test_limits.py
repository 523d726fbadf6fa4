"""Every runaway mapping is stopped and reported with the bound that stopped it.

Each case can trip exactly one bound: the others are set far out of reach, so the result never
depends on which of two bounds a loaded machine reaches first. Each evaluation also runs in a
helper thread with a generous deadline, so a regression shows up as a failed test instead of a
hung suite; nothing here asserts how fast the machine is.
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
from partners.mapping.engine import MAX_EXPRESSION_CHARS

DEADLINE_SECONDS = 60
UNREACHABLE = 10**12
# Only the clock can stop these: no size, depth or regex-text bound is within reach.
CLOCK_ONLY = MappingLimits(
    max_output_bytes=UNREACHABLE,
    max_intermediate_size=UNREACHABLE,
    max_regex_subject_chars=UNREACHABLE,
)


def not_the_clock(**limits: int) -> MappingLimits:
    """Limits where the clock is out of reach, so only the bound under test can stop it."""
    return MappingLimits(timeout_ms=45_000, **limits)


def evaluate_bounded(expression: str, data: Any = None, limits: MappingLimits | None = None):
    """Evaluate in a helper thread; fail the test if it has not finished by the deadline."""
    outcome: dict[str, Any] = {}

    def run():
        try:
            mapping = compile_mapping(
                expression, operation="lookup", direction="response", limits=limits
            )
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
    "expression",
    [
        # jsonata turns a recursive tail call into a loop: only the clock stops it
        "($f := function($x) { $f($x) }; $f(1))",
        "$sum($map([1..1000000], function($x) { $x * $x }))",
        # Backtracking regexes run in C, out of reach of every hook (each takes minutes)
        '$match("aaaaaaaaaaaaaaaaaaaaaaaa!", /(a|a)*$/)',
        '$match("' + "a" * 41 + '!", /(a|aa)+$/)',
        '$contains("' + "a" * 1000 + '", /.*.*.*X/)',
        # Quadratic inside a native: one step for the hooks, seconds of work
        "$distinct([1..20000])",
    ],
)
def test_work_the_hooks_cannot_see_is_stopped_by_the_clock(expression):
    assert stopped_by(expression, limits=CLOCK_ONLY) is Limit.TIMEOUT


def test_the_default_limits_stop_a_backtracking_regex_by_the_clock():
    assert stopped_by('$match("aaaaaaaaaaaaaaaaaaaaaaaa!", /(a|a)*$/)') is Limit.TIMEOUT


@pytest.mark.parametrize(
    ("expression", "limits"),
    [
        ("($f := function($x) { $f($x) + 1 }; $f(1))", not_the_clock()),
        ("true and ($f := function($x) { $f($x) + 1 }; $f(1))", not_the_clock()),
        ("[" * 150 + "1" + "]" * 150, not_the_clock()),
    ],
)
def test_recursion_is_stopped_by_depth(expression, limits):
    # `and` rewraps exceptions from its right side into a generic JSONata error
    assert stopped_by(expression, limits=limits) is Limit.DEPTH


@pytest.mark.parametrize(
    "expression",
    [
        "[1..10000000]",
        "$map([1..3000], function($i) { [1..3000] })",
        "($f := function($s, $n) { $n = 0 ? $s : $f($s & $s, $n - 1) }; $f('x', 40))",
        "$map([1..2000], function($i) { $pad('', 999999, 'x') })",
    ],
)
def test_exploding_work_is_stopped_by_the_intermediate_size(expression):
    assert stopped_by(expression, limits=not_the_clock()) is Limit.INTERMEDIATE_SIZE


@pytest.mark.parametrize(
    "expression",
    [
        "[1..300000]",
        "$pad('', 2000000000)",
        "$join($map([1..100], function($i) { 'x' }), $pad('', 100000))",
        "$replace($pad('', 1000, 'x'), 'x', $pad('', 10000, 'y'))",
        "$string($map([1..100], function($i) { $pad('', 20000) }))",
    ],
)
def test_big_results_are_stopped_by_the_output_size(expression):
    assert stopped_by(expression, limits=not_the_clock()) is Limit.OUTPUT_SIZE


def test_a_regex_on_a_long_text_is_refused():
    limits = not_the_clock()

    assert stopped_by("$contains($pad('', 30000, 'a'), /a+b/)", limits=limits) is (
        Limit.REGEX_SUBJECT
    )


def test_memory_is_capped_in_bytes_not_items(evaluators):
    """[1..4900000] is under the item bound and grew the web process by 188 MB."""
    evaluators(memory_mb=96)
    limits = not_the_clock(max_intermediate_size=UNREACHABLE, max_output_bytes=UNREACHABLE)

    assert stopped_by("[1..4900000]", limits=limits) is Limit.MEMORY


def test_deeply_nested_input_is_stopped_by_depth():
    data: dict = {}
    for _ in range(150):
        data = {"child": data}

    assert stopped_by("child", data) is Limit.DEPTH


def test_expression_too_deep_to_parse_is_a_syntax_error():
    with pytest.raises(MappingSyntaxError, match="nested too deeply"):
        compile_mapping("(" * 5000 + "1" + ")" * 5000, operation="lookup", direction="response")


def test_a_long_expression_is_refused_before_it_is_parsed():
    """A 200 KB array literal took 10 s to parse and its cached parse kept 160 MB."""
    literal = "[" + ",".join(["1"] * 100_000) + "]"

    with pytest.raises(MappingSyntaxError) as caught:
        compile_mapping(literal, operation="lookup", direction="response")

    assert str(caught.value) == (
        "lookup response mapping: syntax error: the mapping is 200,001 characters long; at most "
        f"{MAX_EXPRESSION_CHARS:,} are allowed (map only the fields we use)"
    )


def test_an_expression_at_the_length_cap_is_read():
    expression = " " * (MAX_EXPRESSION_CHARS - 1) + "1"

    mapping = compile_mapping(expression, operation="lookup", direction="response")

    assert mapping.evaluate(None) == 1


def test_limits_are_configurable():
    tight = MappingLimits(timeout_ms=45_000, max_depth=5)

    assert stopped_by("[[[[[[1]]]]]]", limits=tight) is Limit.DEPTH
    assert evaluate_bounded("[[[[1]]]]", limits=tight) == {"result": [[[[1]]]]}


def test_the_report_names_the_limit_for_a_merchandiser():
    error = evaluate_bounded("($f := function($x) { $f($x) + 1 }; $f(1))")["error"]

    assert str(error) == (
        "lookup response mapping was stopped: it nested deeper than 100 levels "
        "(usually a function that calls itself without a condition that ends it)."
    )


def test_the_clock_starts_at_each_evaluation_not_at_compile_time(evaluators):
    """jsonata-python's constructor timeout counts from compilation (checked in 0.7.1). Between
    compiling and evaluating, both clocks a bound could read move on: wall time passes here and
    the one evaluator spends CPU time on other work."""
    evaluators(processes=1)
    mapping = compile_mapping(
        "$sum([1..100])",
        operation="lookup",
        direction="response",
        limits=MappingLimits(timeout_ms=100),
    )
    busy_work = compile_mapping(
        "$count($map([1..200000], function($x) { $x * 2 }))",
        operation="lookup",
        direction="response",
        limits=not_the_clock(),
    )
    started = time.monotonic()
    while time.monotonic() - started < 0.3:
        assert busy_work.evaluate(None) == 200_000

    assert mapping.evaluate(None) == 5050


def test_failed_evaluations_do_not_use_up_the_depth_of_later_ones(evaluators):
    """jsonata-python's own depth counter is shared and not rewound after an error."""
    evaluators(processes=1)
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
