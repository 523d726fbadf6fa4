"""The fast path of an evaluator: jsonatapy (JSONata in Rust) answers when its answer is certain.

The reference interpreter (`partners.mapping.interpreter` on jsonata-python, under the guard of
`partners.mapping.sandbox`) spends most of a lookup's mapping time: 1.6 ms for a 12-variant
product, against 0.12-0.45 ms here. Both implement JSONata; over the 13,769 distinct evaluations
the partner, catalogue and order suites make, they gave the same result every time but `$millis()`.

The reference stays the one that decides everything but a healthy result, so a merchandiser sees
the same answer and the same error whichever engine ran:

- An expression that names a regular expression, `$eval`, `$now` or `$millis` (the features the
  guard shapes: refused patterns, bounded regex subjects, a refused `$eval`, one clock per
  evaluation) always runs on the reference. The reference's parse tree says so.
- Any failure here (an error in the expression, a bound below, a panic in the engine) is not
  reported: the reference runs the evaluation again and reports its own answer.
- A result the engine flattens is not trusted: a function comes out as null and a division by
  zero as infinity, where the reference reports an error. A result with a null in it is checked
  against the engine's JSON output (where a function is `""`), and one with a non-finite number
  goes to the reference.
- Out of time: the engine's own timeout is wall time. When it stops an evaluation that has also
  spent `timeout_ms` of this thread's CPU, that is the answer (`OutOfTime`); on a loaded machine
  where it has not, the reference runs it with its CPU clock.

What the engine cannot bound itself, the evaluator process does: its CPU timer ends a runaway
evaluation, and its address-space cap ends one that allocates without end (the engine aborts the
process when an allocation fails). The pool reports such an evaluator as lost or over memory; the
asking process then sends that expression to the reference only (`partners.mapping.engine`).
"""

import functools
import json
import math
import time
from typing import Any

import jsonatapy
from jsonata import Jsonata

from partners.mapping.limits import MappingLimits

# Names whose behaviour the reference's guard shapes (see `partners.mapping.sandbox`).
REFERENCE_ONLY_FUNCTIONS = frozenset({"eval", "now", "millis"})
_TIMEOUT_CODE = "D1012"


class Uncertain(Exception):
    """This engine's answer could differ from the reference's: ask the reference."""


class OutOfTime(Exception):
    """The evaluation spent its `timeout_ms` of CPU time."""


def fast_eligible(parsed: Jsonata) -> bool:
    """Whether this engine may answer for the expression the reference parsed as `parsed`."""
    return not any(
        node.type == "regex" or (node.type == "variable" and node.value in REFERENCE_ONLY_FUNCTIONS)
        for node in _nodes(parsed.ast)
    )


def _nodes(root: Any) -> list[Any]:
    """Every node of a jsonata-python parse tree (nodes are `Parser.Symbol`s holding others in
    their attributes, alone or in lists)."""
    symbol_class = type(root)
    seen: set[int] = set()
    found: list[Any] = []
    pending = [root]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        found.append(node)
        for name, value in vars(node).items():
            if name == "_outer_instance":  # the parser itself
                continue
            pending.extend(_symbols_in(value, symbol_class))
    return found


def _symbols_in(value: Any, symbol_class: type) -> list[Any]:
    """The nodes an attribute holds: itself, or those in its lists (an object constructor keeps
    its key and value pairs as lists inside a list)."""
    if isinstance(value, symbol_class):
        return [value]
    if isinstance(value, list | tuple):
        return [node for item in value for node in _symbols_in(item, symbol_class)]
    return []


@functools.lru_cache(maxsize=64)
def _compiled(expression: str) -> Any:
    return jsonatapy.compile(expression)


def evaluate(expression: str, data: Any, bindings: dict[str, Any], limits: MappingLimits) -> Any:
    """The result as plain JSON values (floats not yet Decimal); raises Uncertain or OutOfTime."""
    started = time.thread_time()
    bounds = {
        "timeout": limits.timeout_ms,
        "max_stack_depth": limits.max_depth,
        "max_sequence_length": limits.max_intermediate_size,
    }
    try:
        compiled = _compiled(expression)
        result = compiled.evaluate(data, bindings, **bounds)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # a panic in the engine is a BaseException
        spent_ms = (time.thread_time() - started) * 1000
        if str(error).startswith(_TIMEOUT_CODE) and spent_ms >= limits.timeout_ms:
            raise OutOfTime from None
        raise Uncertain from None
    if _holds_null(result):
        try:
            twin = json.loads(compiled.evaluate_json(json.dumps(data), bindings, **bounds))
        except BaseException:  # as above
            raise Uncertain from None
        if not _nulls_are_nulls(result, twin):
            raise Uncertain
    return result


def _holds_null(value: Any) -> bool:
    """Whether `value` holds a null; raises Uncertain for a non-finite number."""
    if value is None:
        return True
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Uncertain
        return False
    if isinstance(value, dict):
        return any(_holds_null(item) for item in value.values())
    if isinstance(value, list):
        return any(_holds_null(item) for item in value)
    return False


def _nulls_are_nulls(result: Any, twin: Any) -> bool:
    """Whether every null in `result` is a null in `twin`, the same result as JSON text (where
    the engine writes a function as "")."""
    if result is None:
        return twin is None
    if isinstance(result, dict):
        return isinstance(twin, dict) and all(
            _nulls_are_nulls(item, twin.get(key)) for key, item in result.items()
        )
    if isinstance(result, list):
        return (
            isinstance(twin, list)
            and len(twin) == len(result)
            and all(_nulls_are_nulls(item, other) for item, other in zip(result, twin, strict=True))
        )
    return True
