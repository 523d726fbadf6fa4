"""The bounds every mapping evaluation runs under, and their names in error reports."""

from dataclasses import dataclass
from enum import StrEnum


class Limit(StrEnum):
    """Which bound stopped an evaluation; each value but `memory` is the `MappingLimits` field
    that set it. `memory` is the evaluator process's cap (`MAPPING_EVALUATOR_MEMORY_MB`)."""

    TIMEOUT = "timeout_ms"
    DEPTH = "max_depth"
    OUTPUT_SIZE = "max_output_bytes"
    INTERMEDIATE_SIZE = "max_intermediate_size"
    REGEX_SUBJECT = "max_regex_subject_chars"
    MEMORY = "memory"


@dataclass(frozen=True)
class MappingLimits:
    """Bounds for one evaluation. The defaults leave a 20-variant product mapping a wide margin
    (measured: 2 ms, depth 11, 3,362 items and characters built) while stopping a runaway
    expression well within a partner call's own timeout.

    - `timeout_ms`: CPU time one evaluation, parsing included, may take. Each evaluation runs
      alone in an evaluator process: the guard reads the CPU clock from jsonata's hooks and stops
      a runaway expression cleanly; the kernel ends the evaluator once it has spent `timeout_ms`
      plus a small margin, which also stops work the hooks never see (a backtracking regex, a
      slow native, parsing). Either way the report names `timeout_ms`. CPU time, not wall time:
      on a loaded machine a healthy mapping waits for a core, and must not be stopped for that
      (measured: a 4 ms mapping took up to 360 ms of wall time at a load of 8 on 2 cores).
    - `max_depth`: nesting of expression evaluation (a function calling itself adds a few levels per
      call) and nesting of the data going in and coming out.
    - `max_output_bytes`: size of the result serialised as JSON, counted in characters; also the
      largest string a mapping may build with `$pad`, `$join`, `$replace` or `$string` in one
      step.
    - `max_intermediate_size`: everything the evaluation builds, summed over every sub-expression
      (array items + object keys + string characters). It stops exploding work such as
      `[1..10000000]` or lists multiplying inside `$map` before the memory is spent.
    - `max_regex_subject_chars`: longest text a regular expression is run on. A backtracking
      pattern on a long text is the common way to run out of time; this answers it at once with a
      clearer message (the deadline still bounds a bad pattern on a short text).

    Most evaluations run on the fast engine (`partners.mapping.fast_engine`), which keeps
    `timeout_ms` (with the evaluator's CPU timer), `max_depth` (as its recursion bound; the data's
    depth and the output's size are checked here as for the reference) and, for
    `max_intermediate_size`, bounds each sequence it builds rather than their sum; its memory is
    bounded by the evaluator's cap. Whenever it stops, the reference interpreter runs the
    evaluation again and its guard names the bound. Expressions with a regular expression run on
    the reference only.
    """

    timeout_ms: int = 200
    max_depth: int = 100
    max_output_bytes: int = 1_000_000
    max_intermediate_size: int = 5_000_000
    max_regex_subject_chars: int = 20_000

    def describe(self, limit: Limit) -> str:
        """The bound in words a merchandiser can act on."""
        if limit is Limit.MEMORY:
            return "used more memory than a mapping may"
        value = getattr(self, limit.value)
        return {
            Limit.TIMEOUT: f"computed for more than {value} ms",
            Limit.DEPTH: f"nested deeper than {value} levels",
            Limit.OUTPUT_SIZE: f"produced more than {value:,} bytes",
            Limit.INTERMEDIATE_SIZE: f"built more than {value:,} items and characters",
            Limit.REGEX_SUBJECT: f"ran a regular expression on more than {value:,} characters",
        }[limit]


_defaults = MappingLimits()


def default_limits() -> MappingLimits:
    """The limits mappings run under unless a caller passes its own."""
    return _defaults


def default_limits_set(limits: MappingLimits) -> None:
    """Set from the Django settings at start-up (`PartnersConfig.ready`)."""
    global _defaults
    _defaults = limits
