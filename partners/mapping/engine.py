"""Compile a merchandiser's JSONata mapping once, then evaluate it many times, safely.

Thread safety, checked in jsonata-python 0.7.1's source and by test: one compiled `Jsonata` may be
evaluated from many threads at once provided each evaluation gets its own frame. The interpreter
keeps its working state on a per-thread copy of the expression (`Jsonata.CURRENT`, a thread-local)
and does not modify the parsed tree. But `Jsonata.evaluate(input)` *without* bindings binds the
input as `$` in the expression's single shared frame, where another thread can overwrite it
(measured: 109 wrong results out of 2,400 evaluations from 8 threads). We always pass bindings (at
least the guard's hooks), and jsonata then creates a fresh frame for that evaluation.
"""

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonata import Jsonata
from jsonata.jexception import JException

from partners.mapping.errors import (
    MappingError,
    MappingLimitExceeded,
    MappingRuntimeError,
    MappingSyntaxError,
)
from partners.mapping.limits import DEFAULT_LIMITS, Limit, MappingLimits
from partners.mapping.sandbox import (
    RESERVED_NAMES,
    EvaluationGuard,
    UnsafeRegex,
    safe_regex_engine,
)
from partners.mapping.values import (
    TooDeep,
    UnsupportedValue,
    from_mapping_value,
    json_size_exceeds,
    to_mapping_value,
)

OPERATIONS = ("lookup", "search", "similar", "place_order", "order_status", "cancel_order")
DIRECTIONS = ("request", "response")


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


@functools.lru_cache(maxsize=512)
def _parse(expression: str) -> Jsonata:
    """Parsing costs as much as evaluating a small mapping (0.6-0.7 ms measured for our example
    mappings), so each text is parsed once per process."""
    return Jsonata(expression, regex_engine=safe_regex_engine)


@dataclass(frozen=True)
class CompiledMapping:
    """A parsed mapping for one operation and direction. Create it with `compile_mapping`."""

    expression: str
    operation: str
    direction: str
    limits: MappingLimits
    _parsed: Jsonata = field(repr=False, compare=False)

    def evaluate(self, data: Any, *, bindings: Mapping[str, Any] | None = None) -> Any:
        """Run the mapping on `data` with variables `bindings` (`{"input": …}` is `$input`).

        Returns plain JSON values with numbers that had a fraction as Decimal. Raises
        MappingRuntimeError when the expression fails and MappingLimitExceeded when a bound
        stops it; the result is never bigger than `limits.max_output_bytes` as JSON.
        """
        depth = self.limits.max_depth
        variables = dict(bindings or {})
        if reserved := RESERVED_NAMES.intersection(variables):
            raise ValueError(f"binding names reserved by the sandbox: {sorted(reserved)}")
        try:
            frame = {
                name: to_mapping_value(value, max_depth=depth) for name, value in variables.items()
            }
            root = to_mapping_value(data, max_depth=depth)
        except TooDeep as error:
            raise self._limit_exceeded(Limit.DEPTH) from error
        guard = EvaluationGuard(self.limits)
        with guard.active():
            try:
                raw = self._parsed.evaluate(root, frame | guard.bindings())
            except Exception as error:  # the expression is user text: any failure is theirs
                raise self._failure(error, guard) from error
        if guard.stopped is not None or guard.refused is not None:
            raise self._failure(None, guard)
        return self._output(raw)

    def _output(self, raw: Any) -> Any:
        try:
            result = from_mapping_value(raw, max_depth=self.limits.max_depth)
        except TooDeep as error:
            raise self._limit_exceeded(Limit.DEPTH) from error
        except UnsupportedValue as error:
            raise self._runtime_error(str(error)) from error
        if json_size_exceeds(result, self.limits.max_output_bytes):
            raise self._limit_exceeded(Limit.OUTPUT_SIZE)
        return result

    def _failure(self, error: Exception | None, guard: EvaluationGuard) -> MappingError:
        if guard.stopped is not None:
            return self._limit_exceeded(guard.stopped)
        if guard.refused is not None:
            return self._runtime_error(guard.refused)
        if isinstance(error, RecursionError):
            return self._limit_exceeded(Limit.DEPTH)
        if isinstance(error, JException):
            position = error.location if error.location >= 0 else None
            return self._runtime_error(str(error), code=error.error, position=position)
        # jsonata-python sometimes fails with a plain Python error (KeyError, TypeError) where it
        # should raise a JSONata one: still the expression's failure.
        return self._runtime_error(f"{type(error).__name__}: {error}")

    def _limit_exceeded(self, limit: Limit) -> MappingLimitExceeded:
        return MappingLimitExceeded(
            limit, operation=self.operation, direction=self.direction, limits=self.limits
        )

    def _runtime_error(
        self, message: str, *, code: str | None = None, position: int | None = None
    ) -> MappingRuntimeError:
        return MappingRuntimeError(
            message,
            operation=self.operation,
            direction=self.direction,
            code=code,
            position=position,
        )


def compile_mapping(
    expression: str,
    *,
    operation: str,
    direction: str,
    limits: MappingLimits = DEFAULT_LIMITS,
) -> CompiledMapping:
    """Parse `expression` (cached by its text) for `operation` in `direction`.

    Raises MappingSyntaxError naming the operation, direction and the position the parser stopped
    at; ValueError for an unknown operation or direction.
    """
    operation = checked_operation(operation)
    direction = str(getattr(direction, "value", direction))
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}; expected one of {DIRECTIONS}")
    if not expression.strip():
        raise MappingSyntaxError("the mapping is empty", operation=operation, direction=direction)
    try:
        parsed = _parse(expression)
    except Exception as error:  # the expression is user text: any failure to read it is theirs
        raise _syntax_error(error, expression, operation, direction) from error
    return CompiledMapping(expression, operation, direction, limits, parsed)


def _syntax_error(
    error: Exception, expression: str, operation: str, direction: str
) -> MappingSyntaxError:
    position: int | None = None
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
    line = column = None
    if position is not None and position >= 0:
        before = expression[:position]
        line = before.count("\n") + 1
        column = position - (before.rfind("\n") + 1) + 1
    else:
        position = None
    return MappingSyntaxError(
        message,
        operation=operation,
        direction=direction,
        position=position,
        line=line,
        column=column,
    )
