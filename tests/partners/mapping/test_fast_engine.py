"""The fast engine answers only where its answer is the reference interpreter's.

Most tests call the interpreter in this process (as an evaluator does); the last ones go through
the evaluator pool, where the fast engine's failures that end a process are handled.
"""

from types import SimpleNamespace

import pytest

from partners.mapping import (
    Limit,
    MappingLimitExceeded,
    MappingLimits,
    compile_mapping,
    fast_engine,
    interpreter,
)
from partners.mapping.evaluator_pool import evaluator_pool
from tests.partners.mapping.examples import (
    CENTS_LOOKUP_MAPPING,
    FLAT_SKU_LOOKUP_MAPPING,
    FLAT_SKU_SEARCH_MAPPING,
    PLACE_ORDER_RESPONSE_MAPPING,
    cents_partner_body,
    flat_sku_body,
)

LIMITS = MappingLimits()
RUNAWAY = "($f := function($n) { $f($n + 1) }; $f(0))"


def reference(expression: str, data=None, bindings=None) -> interpreter.Outcome:
    return interpreter.evaluate(expression, data, bindings or {}, LIMITS, fast=False)


def fast(expression: str, data=None, bindings=None):
    """The fast engine's own answer (raises Uncertain where it would defer to the reference)."""
    assert interpreter._parse(expression).fast
    return interpreter._result(
        fast_engine.evaluate(expression, data, bindings or {}, LIMITS), LIMITS
    )


@pytest.mark.parametrize(
    ("expression", "data"),
    [
        (CENTS_LOOKUP_MAPPING, {"status": 200, "body": cents_partner_body(colours=4, sizes=5)}),
        (CENTS_LOOKUP_MAPPING, {"status": 404, "body": {}}),
        (FLAT_SKU_LOOKUP_MAPPING, {"status": 200, "body": flat_sku_body()}),
        (FLAT_SKU_SEARCH_MAPPING, {"status": 200, "body": flat_sku_body()}),
        (
            PLACE_ORDER_RESPONSE_MAPPING,
            {"status": 201, "body": {"order": {"id": "B-1", "state": "accepted", "lines": []}}},
        ),
        (
            '{"total": $sum(items.price) * 1.2, "n": $count(items)}',
            {"items": [{"price": 89.9}] * 3},
        ),
        ("$string(items) & $uppercase(name)", {"items": [1, {"a": None}], "name": "ärger"}),
    ],
)
def test_the_fast_engine_gives_the_references_result(expression, data):
    expected = reference(expression, data)
    assert expected.kind == "ok"

    assert fast(expression, data) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "$match(name, /^a+$/)",
        '$replace(name, /x/, "y")',
        '$eval("1 + 1")',
        '($run := $eval; $run("1"))',
        "$now()",
        "$millis()",
        '{"at": $now("[Y]")}',
        '{"items": [{"at": {"ms": $millis()}}]}',
        'items[$eval("true")]',
        '$map(items, function($i) { $i ~> $replace(/a/, "b") })',
    ],
)
def test_regular_expressions_eval_and_the_clock_stay_with_the_reference(expression):
    assert not interpreter._parse(expression).fast


def test_plain_expressions_may_go_fast():
    assert interpreter._parse(CENTS_LOOKUP_MAPPING).fast
    assert interpreter._parse('$contains(name, "x") ? $pad(a, 3)').fast


@pytest.mark.parametrize(
    "expression",
    [
        "function($x) { $x }",  # comes out of the engine as null
        '{"a": [1, $uppercase]}',
        "status / 0",  # comes out as infinity
        '{"ratio": -1 / 0}',
        '"a" + 1',  # an error: its wording is the reference's
        "($f := function($n) { $f($n) + 1 }; $f(0))",  # deeper than max_depth
    ],
)
def test_what_the_fast_engine_flattens_or_fails_is_left_to_the_reference(expression):
    with pytest.raises(fast_engine.Uncertain):
        fast(expression, {"status": 200})


@pytest.mark.parametrize(
    "expression", ["function($x) { $x }", "status / 0", '"a" + 1', "$x.y.(", "$undefined_f(1)"]
)
def test_failures_read_exactly_as_the_reference_reports_them(expression):
    assert interpreter.evaluate(expression, {"status": 200}, {}, LIMITS) == reference(
        expression, {"status": 200}
    )


def test_a_real_null_is_kept():
    assert fast('{"a": null, "b": [null, body.missing], "c": body.x}', {"body": {"x": None}}) == (
        interpreter.Outcome("ok", value={"a": None, "b": [None], "c": None})
    )


@pytest.fixture
def reference_runs(monkeypatch) -> list:
    """The reference interpreter's evaluations from now on (one guard each)."""
    guards = []

    class Recorded(interpreter.EvaluationGuard):
        def __init__(self, limits: MappingLimits) -> None:
            super().__init__(limits)
            guards.append(self)

    monkeypatch.setattr(interpreter, "EvaluationGuard", Recorded)
    return guards


def test_a_healthy_mapping_is_answered_by_the_fast_engine_alone(reference_runs):
    data = {"status": 200, "body": cents_partner_body()}

    outcome = interpreter.evaluate(CENTS_LOOKUP_MAPPING, data, {}, LIMITS)

    assert outcome.kind == "ok"
    assert reference_runs == []


def cpu_clock(*readings: float) -> SimpleNamespace:
    """A stand-in for the fast engine's `time`: its CPU clock reads `readings` in turn. The
    engine's own timeout is wall time, so these tests decide how much CPU it seems to have
    spent by then, whatever else the machine is doing."""
    remaining = iter(readings)
    return SimpleNamespace(thread_time=lambda: next(remaining))


def test_a_runaway_stops_at_its_cpu_time_with_a_clean_answer(monkeypatch, reference_runs):
    monkeypatch.setattr(fast_engine, "time", cpu_clock(0.0, 0.05))  # 50 ms spent

    outcome = interpreter.evaluate(RUNAWAY, None, {}, MappingLimits(timeout_ms=50))

    assert outcome == interpreter.Outcome("limit", limit=Limit.TIMEOUT)
    assert reference_runs == []


def test_a_wall_clock_timeout_without_the_cpu_spent_goes_to_the_reference(
    monkeypatch, reference_runs
):
    """On a loaded machine the engine's wall clock runs out first: the reference, which counts
    CPU time, decides (here its guard stops the runaway too)."""
    monkeypatch.setattr(fast_engine, "time", cpu_clock(0.0, 0.049))  # 49 ms spent

    outcome = interpreter.evaluate(RUNAWAY, None, {}, MappingLimits(timeout_ms=50))

    assert outcome == interpreter.Outcome("limit", limit=Limit.TIMEOUT)
    assert len(reference_runs) == 1


def test_an_expression_that_ends_an_evaluator_on_the_fast_engine_is_then_run_on_the_reference(
    evaluators,
):
    """The engine aborts its process when an allocation fails; the asker then retries on the
    reference, whose guard names the bound, and keeps that expression on the reference."""
    evaluators(processes=1)
    exploding = compile_mapping(
        '$pad("", 2000000000, "x")', operation="lookup", direction="response"
    )
    first = evaluator_pool().pids()

    with pytest.raises(MappingLimitExceeded) as stopped:
        exploding.evaluate(None)

    assert stopped.value.limit is Limit.OUTPUT_SIZE
    after_the_loss = evaluator_pool().pids()
    assert after_the_loss != first  # the fast engine's attempt cost an evaluator
    with pytest.raises(MappingLimitExceeded):
        exploding.evaluate(None)
    assert evaluator_pool().pids() == after_the_loss  # the second went straight to the reference


def test_a_runaway_on_the_fast_engine_does_not_cost_an_evaluator(evaluators):
    evaluators(processes=1, timeout_ms=50)
    runaway = compile_mapping(RUNAWAY, operation="lookup", direction="response")
    runaway_pids = []
    for _ in range(2):
        with pytest.raises(MappingLimitExceeded) as stopped:
            runaway.evaluate(None)
        assert stopped.value.limit is Limit.TIMEOUT
        runaway_pids.append(evaluator_pool().pids())

    assert runaway_pids[0] == runaway_pids[1]
