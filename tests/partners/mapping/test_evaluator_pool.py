"""Mappings run in evaluator processes: a hostile one costs its evaluator, never the asker.

The hostile expression here never ends by itself, so "while it is still being evaluated" holds by
construction until the test shuts the pool down: no result depends on how fast the machine is.
"""

import json
import os
import pickle
import signal
import subprocess
import sys
import threading
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from partners.mapping import (
    EvaluatorUnavailable,
    Limit,
    MappingLimitExceeded,
    MappingLimits,
    compile_mapping,
)
from partners.mapping.evaluator_pool import evaluator_pool
from partners.mapping.wire import data_loads
from tests.conftest import REPO, wait_for
from tests.partners.mapping.evaluator_processes import (
    HOSTILE_REGEX,
    cpu_seconds,
    evaluators_under,
    running,
)

NEVER = MappingLimits(timeout_ms=600_000)


def lookup(expression: str, limits: MappingLimits | None = None):
    return compile_mapping(expression, operation="lookup", direction="response", limits=limits)


def in_background(mapping) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run():
        try:
            outcome["result"] = mapping.evaluate(None)
        except Exception as error:
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_this_process_keeps_working_while_a_regex_backtracks(evaluators):
    """In process, this regex held the GIL and froze every thread for as long as it ran."""
    evaluators(processes=2)
    hostile, outcome = in_background(lookup(HOSTILE_REGEX, NEVER))
    wait_for(lambda: evaluator_pool().busy == 1)

    other_mapping = lookup("$sum([1..100])").evaluate(None)
    plain_python = sum(range(1_000_000))

    assert (other_mapping, plain_python) == (5050, 499999500000)
    assert evaluator_pool().busy == 1 and hostile.is_alive()
    evaluator_pool().shutdown()
    hostile.join(30)
    assert isinstance(outcome["error"], EvaluatorUnavailable)


def test_an_evaluator_killed_at_the_deadline_is_replaced(evaluators):
    evaluators(processes=1)
    lookup("1").evaluate(None)
    [first] = evaluator_pool().pids()

    with pytest.raises(MappingLimitExceeded) as caught:
        lookup(HOSTILE_REGEX, MappingLimits(timeout_ms=100)).evaluate(None)

    assert caught.value.limit is Limit.TIMEOUT
    assert lookup("$sum([1..100])").evaluate(None) == 5050
    [successor] = evaluator_pool().pids()
    assert successor != first
    wait_for(lambda: not running(first))


def test_a_request_waits_for_a_free_evaluator_then_says_none_was_free(evaluators):
    evaluators(processes=1, wait_seconds=0.2)
    hostile, _ = in_background(lookup(HOSTILE_REGEX, NEVER))
    wait_for(lambda: evaluator_pool().busy == 1)

    with pytest.raises(EvaluatorUnavailable) as caught:
        lookup("$sum([1..100])").evaluate(None)

    assert str(caught.value) == (
        "lookup response mapping could not be run: no mapping evaluator was available "
        "(busy: all 1 evaluators stayed busy for 0.2 s)."
    )
    evaluator_pool().shutdown()
    hostile.join(30)


def test_an_evaluator_that_grew_is_replaced_after_its_answer(evaluators):
    """A long expression's parse tree stays in the evaluator's cache (about 16 MB for 20,000
    characters of array literal, measured; an evaluator starts at about 16 MB)."""
    evaluators(processes=1, recycle_rss_mb=25)
    lookup("1").evaluate(None)
    [first] = evaluator_pool().pids()
    lookup("2").evaluate(None)
    assert evaluator_pool().pids() == [first]

    lookup("[" + ",".join(["1"] * 9_999) + "]", MappingLimits(timeout_ms=60_000))

    assert evaluator_pool().pids() != [first]
    wait_for(lambda: not running(first))


def test_evaluators_get_none_of_our_secrets(evaluators, monkeypatch):
    monkeypatch.setenv("PARTNER_CREDENTIAL_KEYS", "a-secret-key")
    monkeypatch.setenv("DJANGO_SECRET_KEY", "another-secret")
    evaluators(processes=1)
    lookup("1").evaluate(None)
    [pid] = evaluator_pool().pids()

    environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")

    names = sorted(item.split(b"=")[0].decode() for item in environment if item)
    assert names == ["LANG", "PATH", "PYTHONDONTWRITEBYTECODE", "PYTHONPATH"]


def test_a_forked_child_starts_evaluators_of_its_own(evaluators):
    """gunicorn and Celery fork their workers: a child must not share its parent's pipes."""
    evaluators(processes=1)
    lookup("1").evaluate(None)
    parents = evaluator_pool().pids()
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child, which reports through the pipe
        try:
            answer = (lookup("$sum([1..10])").evaluate(None), evaluator_pool().pids())
        except BaseException as error:
            answer = repr(error)
        os.write(writing, pickle.dumps(answer))
        os._exit(0)
    os.close(writing)
    with os.fdopen(reading, "rb") as pipe:
        answer = pickle.loads(pipe.read())  # noqa: S301 - our own child's answer
    os.waitpid(child, 0)

    result, childs = answer
    assert result == 55
    assert set(childs).isdisjoint(parents)
    assert evaluator_pool().pids() == parents
    assert lookup("$sum([1..10])").evaluate(None) == 55


OWNER = """
import json, sys, threading, time
from partners.mapping import MappingLimits, compile_mapping
from partners.mapping.evaluator_pool import PoolSettings, evaluator_pool, evaluator_pool_configure

evaluator_pool_configure(PoolSettings(processes=2))
hostile = compile_mapping(sys.argv[1], operation="lookup", direction="response",
                          limits=MappingLimits(**json.loads(sys.argv[2])))
threading.Thread(target=lambda: hostile.evaluate(None), daemon=True).start()
while evaluator_pool().busy == 0:
    time.sleep(0.01)
compile_mapping("$sum([1..5])", operation="lookup", direction="response").evaluate(None)
print("ready", flush=True)
threading.Event().wait()
"""
# A hundred million additions in the interpreter: minutes of CPU, building next to nothing.
PYTHON_LOOP = "$sum($map([1..10000], function($i) { $sum($map([1..10000], function($j) { $j })) }))"


def evaluators_of_a_killed_owner(expression: str, limits: dict) -> list[int]:
    """Start a process whose pool has one evaluator working on `expression` and one idle,
    SIGKILL it once the work is under way, and return both evaluators' pids."""
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, expression, json.dumps(limits)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert owner.stdout.readline() == "ready\n"
        evaluators = evaluators_under(owner.pid)
        assert len(evaluators) == 2
        wait_for(lambda: max(cpu_seconds(pid) for pid in evaluators) > 0.5)  # one is working
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait()
    return evaluators


def test_no_evaluator_outlives_a_process_killed_with_sigkill():
    """The idle evaluator sees its pipe close; the busy one, stuck in a regex (C code) that
    would run for years, is ended by its CPU timer 3 s in, with nobody left to kill it."""
    evaluators = evaluators_of_a_killed_owner(HOSTILE_REGEX, {"timeout_ms": 3_000})

    wait_for(lambda: not any(running(pid) for pid in evaluators), seconds=120)


def test_an_orphaned_evaluator_stops_its_work_without_waiting_for_its_timer():
    """Evaluating in the interpreter, an orphan sees its parent gone and exits: long before
    its 10-minute CPU timer (the wait below could not last 10 minutes of CPU)."""
    limits = {"timeout_ms": 600_000, "max_intermediate_size": 10**12}
    evaluators = evaluators_of_a_killed_owner(PYTHON_LOOP, limits)

    wait_for(lambda: not any(running(pid) for pid in evaluators), seconds=120)


def test_replies_may_hold_data_and_decimals_but_no_other_objects():
    assert data_loads(pickle.dumps({"price": Decimal("9.99"), "sizes": ["S", 1, None]})) == {
        "price": Decimal("9.99"),
        "sizes": ["S", 1, None],
    }
    with pytest.raises(pickle.UnpicklingError, match=r"datetime\.date is not allowed"):
        data_loads(pickle.dumps(date(2026, 1, 1)))
