"""The bounds every mapping evaluation runs under, and their names in error reports."""

from dataclasses import dataclass
from enum import StrEnum


class Limit(StrEnum):
    """Which bound stopped an evaluation; each value is the `MappingLimits` field that set it."""

    TIMEOUT = "timeout_ms"
    DEPTH = "max_depth"
    OUTPUT_SIZE = "max_output_bytes"
    INTERMEDIATE_SIZE = "max_intermediate_size"
    REGEX_SUBJECT = "max_regex_subject_chars"


@dataclass(frozen=True)
class MappingLimits:
    """Bounds for one evaluation. The defaults leave a 20-variant product mapping a wide margin
    (measured: 2 ms, depth 11, 3,362 items and characters built) while stopping a runaway
    expression well within a partner call's own timeout.

    - `timeout_ms`: CPU time the evaluating thread spends on one evaluation. Not wall-clock time:
      mappings of concurrent partner calls share the GIL, and a healthy mapping must not be stopped
      for waiting its turn (measured: with 8 threads evaluating a 2 ms mapping, single evaluations
      took up to 192 ms of wall time but at most 3 ms of CPU time). A mapping does no I/O, so CPU
      time is all a runaway one can consume.
    - `max_depth`: nesting of expression evaluation (a function calling itself adds a few levels per
      call) and nesting of the data going in and coming out.
    - `max_output_bytes`: size of the result serialised as JSON, counted in characters; also the
      largest string a mapping may build with `$pad`, `$join`, `$replace` or `$string` in one
      step.
    - `max_intermediate_size`: everything the evaluation builds, summed over every sub-expression
      (array items + object keys + string characters). It stops exploding work such as
      `[1..10000000]` or lists multiplying inside `$map` before the memory is spent.
    - `max_regex_subject_chars`: longest text a regular expression is run on. Python's regex engine
      cannot be interrupted, so this bounds the time of a slow (backtracking) pattern.
    """

    timeout_ms: int = 200
    max_depth: int = 100
    max_output_bytes: int = 1_000_000
    max_intermediate_size: int = 5_000_000
    max_regex_subject_chars: int = 20_000

    def describe(self, limit: Limit) -> str:
        """The bound in words a merchandiser can act on."""
        value = getattr(self, limit.value)
        return {
            Limit.TIMEOUT: f"computed for more than {value} ms",
            Limit.DEPTH: f"nested deeper than {value} levels",
            Limit.OUTPUT_SIZE: f"produced more than {value:,} bytes",
            Limit.INTERMEDIATE_SIZE: f"built more than {value:,} items and characters",
            Limit.REGEX_SUBJECT: f"ran a regular expression on more than {value:,} characters",
        }[limit]


DEFAULT_LIMITS = MappingLimits()
