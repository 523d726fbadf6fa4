"""Parse and evaluate one JSONata mapping in this process, under the soft bounds of the guard.

Only an evaluator process (`partners.mapping.evaluator`) calls this: the bounds here are checked
from jsonata's evaluation hooks, which cannot interrupt work done in C (a backtracking regex, a
quadratic native such as `$distinct`) or outside evaluation (parsing). The evaluator's CPU timer
and its pool enforce the hard time bound and the memory cap around it; see
`partners.mapping.evaluator` and `partners.mapping.evaluator_pool`.

Results and failures are plain data (`Outcome`), so they cross the pipe back to the parent,
which turns them into the exceptions of `partners.mapping.errors`.
"""

import functools
import re
from dataclasses import dataclass
from typing import Any

from jsonata import Jsonata
from jsonata.jexception import JException

from partners.mapping import fast_engine
from partners.mapping.limits import Limit, MappingLimits
from partners.mapping.sandbox import EvaluationGuard, UnsafeRegex, safe_regex_engine
from partners.mapping.values import (
    TooDeep,
    UnsupportedValue,
    from_mapping_value,
    json_size_exceeds,
)


@dataclass(frozen=True)
class Outcome:
    """How one parse or evaluation ended. `kind` is "ok" (then `value` is the result), "syntax",
    "runtime" (`message`, JSONata's error `code`, `position`) or "limit" (`limit`)."""

    kind: str
    value: Any = None
    message: str = ""
    code: str | None = None
    position: int | None = None
    limit: str | None = None


@dataclass(frozen=True)
class _Parsed:
    program: Jsonata
    fast: bool  # whether the fast engine may answer for it


@functools.lru_cache(maxsize=64)
def _parse(expression: str) -> _Parsed:
    """Parsing costs as much as evaluating a small mapping (0.6-0.7 ms measured for our example
    mappings), so an evaluator parses each text once, and reads from the tree then whether the
    fast engine may run it. The cache is per evaluator process, and an evaluator that grows too
    big is replaced, so a large parse tree does not stay for long."""
    program = Jsonata(expression, regex_engine=safe_regex_engine)
    return _Parsed(program, fast_engine.fast_eligible(program))


def parse(expression: str) -> Outcome:
    try:
        _parse(expression)
    except Exception as error:  # the expression is user text: any failure to read it is theirs
        return _syntax_failure(error, expression)
    return Outcome("ok")


def evaluate(
    expression: str,
    data: Any,
    bindings: dict[str, Any],
    limits: MappingLimits,
    *,
    fast: bool = True,
) -> Outcome:
    """Evaluate `expression` on `data` (plain JSON values) with variables `bindings`: on the fast
    engine where it is certain of its answer (`partners.mapping.fast_engine`), else here.

    The result comes back as plain JSON values with fractional numbers as Decimal, never bigger
    than `limits.max_output_bytes` as JSON."""
    try:
        parsed = _parse(expression)
    except Exception as error:  # the expression is user text: any failure to read it is theirs
        return _syntax_failure(error, expression)
    if fast and parsed.fast:
        try:
            return _result(fast_engine.evaluate(expression, data, bindings, limits), limits)
        except fast_engine.OutOfTime:
            return Outcome("limit", limit=Limit.TIMEOUT)
        except fast_engine.Uncertain:
            pass
    guard = EvaluationGuard(limits)
    with guard.active():
        try:
            raw = parsed.program.evaluate(data, bindings | guard.bindings())
        except Exception as error:  # the expression is user text: any failure is theirs
            return _evaluation_failure(error, guard)
    if guard.stopped is not None or guard.refused is not None:
        return _evaluation_failure(None, guard)
    return _result(raw, limits)


def _result(raw: Any, limits: MappingLimits) -> Outcome:
    try:
        # Measured before converting: the measure stops at the limit, a conversion would not.
        if json_size_exceeds(raw, limits.max_output_bytes):
            return Outcome("limit", limit=Limit.OUTPUT_SIZE)
        result = from_mapping_value(raw, max_depth=limits.max_depth)
    except (TooDeep, RecursionError):
        return Outcome("limit", limit=Limit.DEPTH)
    except UnsupportedValue as error:
        return Outcome("runtime", message=str(error))
    return Outcome("ok", value=result)


def _evaluation_failure(error: Exception | None, guard: EvaluationGuard) -> Outcome:
    if guard.stopped is not None:
        return Outcome("limit", limit=guard.stopped)
    if guard.refused is not None:
        return Outcome("runtime", message=guard.refused)
    if isinstance(error, RecursionError):
        return Outcome("limit", limit=Limit.DEPTH)
    if isinstance(error, MemoryError):
        return Outcome("limit", limit=Limit.MEMORY)
    if isinstance(error, JException):
        position = error.location if error.location >= 0 else None
        return Outcome("runtime", message=str(error), code=error.error, position=position)
    # jsonata-python sometimes fails with a plain Python error (KeyError, TypeError) where it
    # should raise a JSONata one: still the expression's failure.
    return Outcome("runtime", message=f"{type(error).__name__}: {error}")


def _syntax_failure(error: Exception, expression: str) -> Outcome:
    position: int | None = None
    if isinstance(error, MemoryError):
        return Outcome("limit", limit=Limit.MEMORY)
    if isinstance(error, JException):
        message, position = str(error), error.location
    elif isinstance(error, UnsafeRegex):
        message, position = str(error), expression.find(f"/{error.pattern}/")
    elif isinstance(error, RecursionError):
        message = "the expression is nested too deeply"
    elif isinstance(error, re.error):
        message = f"invalid regular expression: {error}"
    else:  # jsonata-python's parser trips over some text instead of reporting it
        message = f"the expression could not be read ({type(error).__name__}: {error})"
    if position is not None and position < 0:
        position = None
    return Outcome("syntax", message=message, position=position)
