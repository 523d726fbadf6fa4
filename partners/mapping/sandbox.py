"""Keeps one evaluation of a merchandiser's JSONata inside its time, depth and size bounds.

Why not jsonata-python's own bounds: `Jsonata(expr, timeout=, stack=)` and
`Frame.set_runtime_bounds()` install a Timebox whose clock starts when it is created (at compile
time for the constructor form) and whose one depth counter is shared by every evaluation and thread
of the expression and is not rewound when an evaluation fails (measured: +2 levels per failed
evaluation). Compiled once and evaluated many times from several threads, that stops healthy
mappings: the clock ran out long ago, or the depth counts other threads' and failed evaluations.
The clock is also wall time, which the GIL stretches under load (see `MappingLimits`). We use the
same public hooks
(the `__evaluate_entry`/`__evaluate_exit` callbacks every evaluation step looks up in its frame)
with a fresh `EvaluationGuard` per evaluation, bound in that evaluation's own frame.

The exit hook sees a result only after it has been built, so the natives that can build a string
far larger than their arguments in one step (`$pad`, `$join`, `$replace`, `$string`) are shadowed by
versions that check the size first. `$eval` is refused: a mapping is fixed text that we validate.
`$now` and `$millis` read the evaluation's start time (the library's read a per-thread copy of the
expression that goes stale after its first evaluation in a thread).

This guard is the soft bound, checked from inside the evaluation, and gives a clean answer. It
cannot see work done in C (a backtracking regex, a slow native) or parsing: the evaluator process
this runs in has a CPU timer that the kernel enforces (`partners.mapping.evaluator`). Two checks
answer common cases early with a clearer message: patterns with nested repetition such as `(a+)+`
(the usual shape of catastrophic backtracking) are refused when the mapping is compiled, and a
pattern only runs on text up to `max_regex_subject_chars` long.
"""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from jsonata import Functions, Jsonata
from jsonata.regex_engine import RegexFlags, default_regex_engine

from partners.mapping.limits import Limit, MappingLimits
from partners.mapping.values import json_size_exceeds

_active = threading.local()
# Reading the thread's CPU clock costs about 0.4 µs, more than a step's hook; a step is small,
# so reading it every 32 steps keeps the bound tight at a fraction of the cost.
_STEPS_PER_CLOCK_READ = 32


class Stopped(Exception):
    """Unwinds an evaluation its guard has stopped. JSONata rewraps some exceptions on the way
    out, so the reason is kept on the guard (`EvaluationGuard.stopped` / `refused`), not here."""


class UnsafeRegex(ValueError):
    """A regular expression we refuse to run."""

    def __init__(self, pattern: str) -> None:
        super().__init__(
            f"the regular expression /{pattern}/ repeats a part that itself repeats, which can "
            "take forever on some texts; rewrite it without nested repetition"
        )
        self.pattern = pattern


class EvaluationGuard:
    """The bounds of one evaluation: started when created, bound into the evaluation's frame."""

    def __init__(self, limits: MappingLimits) -> None:
        self.limits = limits
        self.started_millis = round(time.time() * 1000)
        self.stopped: Limit | None = None
        self.refused: str | None = None
        self._deadline = time.thread_time() + limits.timeout_ms / 1000
        self._depth = 0
        self._built = 0
        self._steps = 0

    def bindings(self) -> dict[str, Any]:
        """What the evaluation's frame must hold for this guard to see every step."""
        return {
            "__evaluate_entry": self._on_entry,
            "__evaluate_exit": self._on_exit,
            **_GUARDED_NATIVES,
        }

    @contextmanager
    def active(self) -> Iterator[None]:
        """Make this the guard that shadowed natives and regular expressions report to."""
        previous = getattr(_active, "guard", None)
        _active.guard = self
        try:
            yield
        finally:
            _active.guard = previous

    def stop(self, limit: Limit) -> NoReturn:
        if self.stopped is None and self.refused is None:  # the first reason is the cause
            self.stopped = limit
        raise Stopped(limit)

    def refuse(self, message: str) -> NoReturn:
        if self.stopped is None and self.refused is None:
            self.refused = message
        raise Stopped(message)

    def reserve_string(self, length: int) -> None:
        """Called before a native builds a string of `length` characters. Charged here as well as
        on exit: a native called in tail position returns through jsonata's trampoline, which
        skips the exit hook."""
        if length > self.limits.max_output_bytes:
            self.stop(Limit.OUTPUT_SIZE)
        self._charge(length)

    def _on_entry(self, expr: Any, input: Any, environment: Any) -> None:
        self._depth += 1
        if self._depth > self.limits.max_depth:
            self.stop(Limit.DEPTH)
        self._after_step()

    def _on_exit(self, expr: Any, input: Any, environment: Any, result: Any) -> None:
        self._depth -= 1
        if isinstance(result, str | list | dict):
            self._charge(len(result))
        self._after_step()

    def _charge(self, size: int) -> None:
        self._built += size
        if self._built > self.limits.max_intermediate_size:
            self.stop(Limit.INTERMEDIATE_SIZE)

    def _after_step(self) -> None:
        if self.stopped is not None or self.refused is not None:
            # JSONata swallowed our exception somewhere: keep unwinding.
            raise Stopped(self.stopped or self.refused)
        self._steps += 1
        if self._steps % _STEPS_PER_CLOCK_READ == 0 and time.thread_time() > self._deadline:
            self.stop(Limit.TIMEOUT)


def current_guard() -> EvaluationGuard:
    return _active.guard


class _GuardedFunctions:
    """Shadows of JSONata natives, found by name through `Jsonata.function`."""

    @staticmethod
    def pad(string: Any, width: Any, char: Any) -> Any:
        if isinstance(width, int | float):
            current_guard().reserve_string(abs(int(width)))
        return Functions.pad(string, width, char)

    @staticmethod
    def join(strings: Any, separator: Any) -> Any:
        if isinstance(strings, list) and isinstance(separator, str):
            texts = sum(len(item) for item in strings if isinstance(item, str))
            current_guard().reserve_string(texts + len(separator) * max(len(strings) - 1, 0))
        return Functions.join(strings, separator)

    @staticmethod
    def replace(string: Any, pattern: Any, replacement: Any, limit: Any) -> Any:
        if isinstance(string, str) and isinstance(replacement, str):
            if isinstance(pattern, str):
                matches = string.count(pattern) if pattern else 0
            elif isinstance(pattern, GuardedPattern):
                matches = sum(1 for _ in pattern.finditer(string))
            else:  # a custom matcher function: at most one match per position
                matches = len(string) + 1
            if isinstance(limit, int | float):
                matches = min(matches, max(int(limit), 0))
            # each "$1"-style group reference can repeat up to the whole text
            per_match = len(replacement) + replacement.count("$") * len(string)
            current_guard().reserve_string(len(string) + matches * per_match)
        return Functions.replace(string, pattern, replacement, limit)

    @staticmethod
    def string(arg: Any, prettify: Any) -> Any:
        if not isinstance(arg, list | dict):
            return Functions.string(arg, prettify)
        guard = current_guard()
        indent = 2 if prettify else None
        if json_size_exceeds(arg, guard.limits.max_output_bytes, indent=indent):
            guard.stop(Limit.OUTPUT_SIZE)
        text = Functions.string(arg, prettify)
        guard.reserve_string(len(text))
        return text

    @staticmethod
    def eval(expression: Any, focus: Any) -> NoReturn:
        current_guard().refuse("$eval is not available in mappings")

    @staticmethod
    def now(picture: Any, timezone: Any) -> Any:
        return Functions.datetime_from_millis(current_guard().started_millis, picture, timezone)

    @staticmethod
    def millis() -> int:
        return current_guard().started_millis


# Signatures as jsonata-python registers the originals, so arguments behave the same.
_GUARDED_NATIVES = {
    name: Jsonata.function(name, signature, _GuardedFunctions, name)
    for name, signature in {
        "pad": "<s-ns?:s>",
        "join": "<a<s>s?:s>",
        "replace": "<s-(sf)(sf)n?:s>",
        "string": "<x-b?:s>",
        "eval": "<sx?:x>",
        "now": "<s?s?:s>",
        "millis": "<:n>",
    }.items()
}

RESERVED_NAMES = frozenset({"__evaluate_entry", "__evaluate_exit", *_GUARDED_NATIVES})


class GuardedPattern:
    """A compiled regular expression that refuses texts longer than the evaluation's bound.

    Offers the four methods jsonata-python calls on a pattern (its `CompiledPattern` protocol).
    """

    def __init__(self, pattern: str, flags: RegexFlags) -> None:
        self._compiled = default_regex_engine(pattern, flags)

    def search(self, string: str) -> Any:
        return self._compiled.search(_checked_subject(string))

    def finditer(self, string: str) -> Any:
        return self._compiled.finditer(_checked_subject(string))

    def sub(self, repl: Any, string: str, count: int = 0) -> str:
        return self._compiled.sub(repl, _checked_subject(string), count)

    def split(self, string: str, maxsplit: int = 0) -> list[str]:
        return self._compiled.split(_checked_subject(string), maxsplit)


def _checked_subject(string: str) -> str:
    guard = current_guard()
    if len(string) > guard.limits.max_regex_subject_chars:
        guard.stop(Limit.REGEX_SUBJECT)
    return string


def safe_regex_engine(pattern: str, flags: RegexFlags) -> GuardedPattern:
    """The regex engine our mappings are compiled with (see the module docstring)."""
    if has_nested_repetition(pattern):
        raise UnsafeRegex(pattern)
    return GuardedPattern(pattern, flags)


_REPEATS = "*+{"


def has_nested_repetition(pattern: str) -> bool:
    """Whether a repeated group contains repetition, e.g. `(a+)+`, `(\\w+\\s?)*`, `((ab)*c)+`.

    A small scan rather than a full parse: it skips escapes and character classes, tracks whether
    each open group contains repetition and flags such a group when it is itself repeated. `?` is
    not counted: it allows at most one more way to match.
    """
    open_groups: list[bool] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            index = _end_of_class(pattern, index)
        elif char == "(":
            open_groups.append(False)
        elif char == ")" and open_groups:
            repeats_inside = open_groups.pop()
            repeated = index + 1 < len(pattern) and pattern[index + 1] in _REPEATS
            if repeats_inside and repeated:
                return True
            if open_groups and (repeats_inside or repeated):
                open_groups[-1] = True
        elif char in _REPEATS and open_groups:
            open_groups[-1] = True
        index += 1
    return False


def _end_of_class(pattern: str, start: int) -> int:
    """Index of the `]` closing the character class opened at `start` (a `]` first is literal)."""
    index = start + 1
    if pattern[index : index + 1] == "^":
        index += 1
    if pattern[index : index + 1] == "]":
        index += 1
    while index < len(pattern) and pattern[index] != "]":
        index += 2 if pattern[index] == "\\" else 1
    return index
