"""What can go wrong with a mapping, in words a merchandiser can act on.

Every error names the operation and direction (or shape) it belongs to, so a message copied from a
log or the admin is enough to find the mapping to fix.
"""

from dataclasses import dataclass

from partners.mapping.limits import Limit, MappingLimits

LIMIT_HINTS = {
    Limit.TIMEOUT: "look for a function that calls itself without end, work over huge lists, or "
    "a regular expression that can match the same text in many ways, such as (a|a)* or .*.*X",
    Limit.DEPTH: "usually a function that calls itself without a condition that ends it",
    Limit.OUTPUT_SIZE: "map only the fields we use",
    Limit.INTERMEDIATE_SIZE: "look for a huge range such as [1..10000000] or lists growing in $map",
    Limit.REGEX_SUBJECT: "use $contains, $split or $replace with plain text instead of a pattern",
    Limit.MEMORY: "look for huge ranges, long lists or texts built in a loop",
}


class MappingError(Exception):
    """Base of every problem a mapping can cause."""


class _OneMappingError(MappingError):
    """A problem of one mapping: its message starts by naming the operation and direction
    ("lookup response mapping"), then goes on with `rest` (": syntax error …", " failed …")."""

    def __init__(self, rest: str, *, operation: str, direction: str) -> None:
        super().__init__(f"{operation} {direction} mapping{rest}")
        self.operation = operation
        self.direction = direction


class MappingSyntaxError(_OneMappingError):
    """The expression cannot be read; `position` is the character offset the parser stopped at."""

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        direction: str,
        position: int | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        where = f" at line {line}, column {column} (position {position})" if line else ""
        super().__init__(
            f": syntax error{where}: {message}", operation=operation, direction=direction
        )
        self.position = position
        self.line = line
        self.column = column


class MappingRuntimeError(_OneMappingError):
    """The expression failed while running, e.g. adding a number to a text.

    `code` is JSONata's error code (e.g. T2001) when JSONata raised it.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        direction: str,
        code: str | None = None,
        position: int | None = None,
    ) -> None:
        where = f" at position {position}" if position is not None else ""
        super().__init__(f" failed{where}: {message}", operation=operation, direction=direction)
        self.code = code
        self.position = position


class MappingLimitExceeded(_OneMappingError):
    """The evaluation was stopped by one of its bounds; `limit` says which."""

    def __init__(
        self, limit: Limit, *, operation: str, direction: str, limits: MappingLimits
    ) -> None:
        super().__init__(
            f" was stopped: it {limits.describe(limit)} ({LIMIT_HINTS[limit]}).",
            operation=operation,
            direction=direction,
        )
        self.limit = limit


class EvaluatorUnavailable(_OneMappingError):
    """No evaluator process could run the mapping: all stayed busy, none could be started, or
    one died for a reason that is not the mapping's (`reason`: busy, start or lost). Not the
    merchandiser's mistake: the mapping itself may be fine."""

    def __init__(self, reason: str, detail: str, *, operation: str, direction: str) -> None:
        super().__init__(
            " could not be run: no mapping evaluator was available "
            f"({reason}{': ' + detail if detail else ''}).",
            operation=operation,
            direction=direction,
        )
        self.reason = reason


@dataclass(frozen=True)
class FieldProblem:
    """One wrong field of a mapping's result: where it is, what is wrong, what was found."""

    operation: str
    path: str
    message: str
    value: str

    def __str__(self) -> str:
        return f"{self.operation}: {self.path or 'result'}: {self.message} (got {self.value})"


class ShapeError(MappingError):
    """A mapping's result does not fit the canonical shape. `problems` lists every wrong field,
    not just the first, so the merchandiser can fix them all in one pass."""

    def __init__(self, operation: str, shape: str, problems: list[FieldProblem]) -> None:
        listed = "\n".join(f"  - {problem}" for problem in problems)
        count = f"{len(problems)} problem" + ("s" if len(problems) > 1 else "")
        super().__init__(f"{operation} mapping result is not a valid {shape} ({count}):\n{listed}")
        self.shape = shape
        self.operation = operation
        self.problems = problems


class XmlPayloadError(MappingError):
    """An XML payload we refuse (DTDs, entities, too big or too deep) or cannot read or write."""
