"""Compile a merchandiser's JSONata mapping once, then evaluate it many times, safely.

Parsing and evaluation both run in evaluator processes (`partners.mapping.evaluator_pool`), never
in the process that asks: no expression, however written, can stall it or its other requests.
This module checks what can be checked cheaply here first (the expression's length, the depth of
the data), sends the work, and turns the evaluator's answer into a result or one of the errors of
`partners.mapping.errors`, each naming the operation and direction.
"""

import functools
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from partners.mapping.errors import (
    EvaluatorUnavailable,
    MappingError,
    MappingLimitExceeded,
    MappingRuntimeError,
    MappingSyntaxError,
)
from partners.mapping.evaluator_pool import KILL_MARGIN_SECONDS, EvaluatorFailed, evaluator_pool
from partners.mapping.limits import Limit, MappingLimits, default_limits
from partners.mapping.sandbox import RESERVED_NAMES
from partners.mapping.values import TooDeep, to_mapping_value

OPERATIONS = ("lookup", "search", "similar", "place_order", "order_status", "cancel_order")
DIRECTIONS = ("request", "response")
# Real mappings are a few hundred to a few thousand characters; a long text costs parse time and
# parse-tree memory in every evaluator before any bound applies to it.
MAX_EXPRESSION_CHARS = 20_000


def checked_operation(operation: str) -> str:
    """The operation's plain name (str enums such as Django choices are accepted). Raises
    ValueError for an unknown one: a programming error, not a merchandiser's."""
    name = str(getattr(operation, "value", operation))
    if name not in OPERATIONS:
        raise ValueError(f"unknown operation {operation!r}; expected one of {OPERATIONS}")
    return name


def response_mapping_input(*, status: int, headers: Mapping[str, str], body: Any) -> dict[str, Any]:
    """What a response mapping receives. Header names are lower-cased so that `headers.etag`
    works however the partner spells it."""
    return {
        "status": status,
        "headers": {name.lower(): value for name, value in headers.items()},
        "body": body,
    }


@dataclass(frozen=True)
class _Where:
    """The mapping an answer belongs to, for the errors it becomes."""

    operation: str
    direction: str
    limits: MappingLimits
    expression: str = field(repr=False)

    def error(self, reply: dict[str, Any]) -> MappingError:
        kind = reply["kind"]
        if kind == "syntax":
            return self.syntax_error(reply["message"], reply["position"])
        if kind == "limit":
            return self.limit_exceeded(Limit(reply["limit"]))
        return MappingRuntimeError(
            reply["message"],
            operation=self.operation,
            direction=self.direction,
            code=reply["code"],
            position=reply["position"],
        )

    def syntax_error(self, message: str, position: int | None = None) -> MappingSyntaxError:
        line = column = None
        if position is not None:
            before = self.expression[:position]
            line = before.count("\n") + 1
            column = position - (before.rfind("\n") + 1) + 1
        return MappingSyntaxError(
            message,
            operation=self.operation,
            direction=self.direction,
            position=position,
            line=line,
            column=column,
        )

    def limit_exceeded(self, limit: Limit) -> MappingLimitExceeded:
        return MappingLimitExceeded(
            limit, operation=self.operation, direction=self.direction, limits=self.limits
        )

    def ask(self, request: tuple) -> dict[str, Any]:
        """The evaluator's reply to `request`; raises what the pool's failures mean here."""
        try:
            return self._run(request)
        except EvaluatorFailed as failure:
            raise self._failure(failure) from None

    def evaluate(self, root: Any, frame: dict[str, Any]) -> dict[str, Any]:
        """The evaluator's reply to evaluating this mapping, fast where the expression has not
        ended an evaluator there before (see `partners.mapping.fast_engine`)."""
        request = ("evaluate", self.expression, root, frame, vars(self.limits))
        if self.expression not in _fast_engine_lost:
            try:
                return self._run((*request, True))
            except EvaluatorFailed as failure:
                if failure.reason not in FAST_ENGINE_LOSSES:
                    raise self._failure(failure) from None
            _fast_engine_lost.add(self.expression)
        return self.ask((*request, False))

    def _run(self, request: tuple) -> dict[str, Any]:
        return evaluator_pool().run(
            request, cpu_seconds=self.limits.timeout_ms / 1000 + KILL_MARGIN_SECONDS
        )

    def _failure(self, failure: EvaluatorFailed) -> MappingError:
        if failure.reason == "timeout":
            return self.limit_exceeded(Limit.TIMEOUT)
        if failure.reason == "memory":
            return self.limit_exceeded(Limit.MEMORY)
        return EvaluatorUnavailable(
            failure.reason, failure.detail, operation=self.operation, direction=self.direction
        )


class _ExpressionSet:
    """A bounded set of expressions: past `size`, the oldest are forgotten."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: dict[str, None] = {}
        self._lock = threading.Lock()

    def __contains__(self, expression: str) -> bool:
        return expression in self._items

    def add(self, expression: str) -> None:
        with self._lock:
            self._items[expression] = None
            while len(self._items) > self._size:
                del self._items[next(iter(self._items))]


# The fast engine cannot bound its own memory: an expression that makes it allocate without end
# aborts the evaluator (lost) or passes the pool's memory cap. Such an expression is then
# evaluated on the reference interpreter, whose guard answers with the bound it passed.
FAST_ENGINE_LOSSES = frozenset({"lost", "memory"})
_fast_engine_lost = _ExpressionSet(512)


@dataclass(frozen=True)
class CompiledMapping:
    """A mapping whose text has been read without errors. Create it with `compile_mapping`."""

    expression: str
    operation: str
    direction: str
    limits: MappingLimits

    def evaluate(self, data: Any, *, bindings: Mapping[str, Any] | None = None) -> Any:
        """Run the mapping on `data` with variables `bindings` (`{"input": …}` is `$input`).

        Returns plain JSON values with numbers that had a fraction as Decimal. Raises
        MappingRuntimeError when the expression fails, MappingLimitExceeded when a bound
        stops it (the result is never bigger than `limits.max_output_bytes` as JSON) and
        EvaluatorUnavailable when no evaluator could run it.
        """
        where = _Where(self.operation, self.direction, self.limits, self.expression)
        variables = dict(bindings or {})
        if reserved := RESERVED_NAMES.intersection(variables):
            raise ValueError(f"binding names reserved by the sandbox: {sorted(reserved)}")
        depth = self.limits.max_depth
        try:
            frame = {
                name: to_mapping_value(value, max_depth=depth) for name, value in variables.items()
            }
            root = to_mapping_value(data, max_depth=depth)
        except TooDeep as error:
            raise where.limit_exceeded(Limit.DEPTH) from error
        reply = where.evaluate(root, frame)
        if reply["kind"] != "ok":
            raise where.error(reply)
        return reply["value"]


def compile_mapping(
    expression: str,
    *,
    operation: str,
    direction: str,
    limits: MappingLimits | None = None,
) -> CompiledMapping:
    """Read `expression` for `operation` in `direction` (each text is read once per process).

    Raises MappingSyntaxError naming the operation, direction and the position the parser stopped
    at, MappingLimitExceeded when reading it took too long or too much memory, and ValueError for
    an unknown operation or direction.
    """
    operation = checked_operation(operation)
    direction = str(getattr(direction, "value", direction))
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}; expected one of {DIRECTIONS}")
    limits = limits or default_limits()
    where = _Where(operation, direction, limits, expression)
    if not expression.strip():
        raise where.syntax_error("the mapping is empty")
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise where.syntax_error(
            f"the mapping is {len(expression):,} characters long; at most "
            f"{MAX_EXPRESSION_CHARS:,} are allowed (map only the fields we use)"
        )
    reply = _read(expression, where)
    if reply["kind"] != "ok":
        raise where.error(reply)
    return CompiledMapping(expression, operation, direction, limits)


@functools.lru_cache(maxsize=512)
def _read(expression: str, where: _Where) -> dict[str, Any]:
    """Whether the text reads, remembered per process: an adapter compiles its mappings on every
    call. Only readable texts and syntax errors are remembered, not a parse stopped by a bound
    (a loaded machine may read it in time later)."""
    reply = where.ask(("parse", expression))
    if reply["kind"] not in ("ok", "syntax"):
        raise where.error(reply)
    return {key: reply[key] for key in ("kind", "message", "position")}
