"""Reading a mapping's JSON result field by field, collecting every problem on the way.

A wrong field is reported and read as None, so validation carries on and the merchandiser sees
every problem of a result at once, each with its path (`variants[2].cost`) and the value found.
"""

import json
import math
import re
from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from partners.mapping.errors import FieldProblem, ShapeError
from partners.mapping.gtin import gtin_normalise, gtin_problem
from partners.mapping.values import float_to_decimal

MISSING = object()
SHOWN_VALUE_CHARS = 60
LIST_HINT = (
    "JSONata turns a one-item list into the item itself; add [] to the path to keep a list, "
    "e.g. body.items[]"
)
_DECIMAL_TEXT = re.compile(r"-?\d+(\.\d+)?", re.ASCII)
_CURRENCY = re.compile(r"[A-Z]{3}", re.ASCII)
_CONTROL_CHARS = re.compile(r"[\x00-\x20\x7f]")


def describe(value: Any) -> str:
    """A value as a merchandiser would write it, cut short."""
    if value is MISSING:
        return "nothing"
    if isinstance(value, Decimal):
        text = str(value)
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) > SHOWN_VALUE_CHARS:
        return text[: SHOWN_VALUE_CHARS - 1] + "…"
    return text


def child_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class Problems:
    """Every problem found in one mapping result."""

    def __init__(self, operation: str) -> None:
        self.operation = operation
        self.found: list[FieldProblem] = []

    def add(self, path: str, message: str, value: Any = MISSING) -> None:
        self.found.append(FieldProblem(self.operation, path, message, describe(value)))

    def raise_if_any(self, shape: str) -> None:
        if self.found:
            raise ShapeError(self.operation, shape, self.found)


class Fields:
    """One JSON object of a mapping's result. Keys outside `known` are reported: a mapping's
    result is ours to define, so an unknown key is a typo that would otherwise lose data.
    `hints` says what to write instead of a key we no longer know (e.g. a renamed field)."""

    def __init__(
        self,
        data: Any,
        path: str,
        problems: Problems,
        *,
        known: Collection[str],
        hints: Mapping[str, str] | None = None,
    ) -> None:
        self.path = path
        self.problems = problems
        if not isinstance(data, dict):
            problems.add(path, "must be an object with fields", data)
            data = {}
        for key, value in data.items():
            if key not in known:
                hint = (hints or {}).get(key) or f"({', '.join(known)})"
                problems.add(child_path(path, key), f"is not a field we know {hint}", value)
        self.data = data

    def path_of(self, key: str) -> str:
        return child_path(self.path, key)

    def report(self, key: str, message: str, value: Any = MISSING) -> None:
        self.problems.add(self.path_of(key), message, value)

    def raw(self, key: str, *, required: bool = False) -> Any:
        """The value as given; JSON null counts as absent."""
        value = self.data.get(key)
        if value is None and required:
            self.report(key, "is required", self.data.get(key, MISSING))
        return value

    def text(self, key: str, *, required: bool = False) -> str | None:
        """Text; an empty text counts as absent."""
        value = self.raw(key, required=required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.report(key, "must be text", value)
            return None
        return self._non_empty(key, value, required=required)

    def identifier(self, key: str, *, required: bool = True) -> str | None:
        """An id: text, or a whole number, which partners often send and converts losslessly."""
        value = self.raw(key, required=required)
        if value is None or (value == "" and not required):  # empty counts as absent, like text
            return None
        identifier, problem = _identifier(value)
        if problem:
            self.report(key, problem, value)
        return identifier

    def identifiers(self, key: str) -> tuple[str, ...]:
        found = []
        for path, item in self.items(key, single=(str, int)):
            identifier, problem = _identifier(item)
            if problem:
                self.problems.add(path, problem, item)
            else:
                found.append(identifier)
        return tuple(found)

    def _non_empty(self, key: str, value: str, *, required: bool) -> str | None:
        if value.strip():
            return value
        if required:
            self.report(key, "must not be empty", value)
        return None

    def decimal(self, key: str, *, minimum: Decimal = Decimal(0)) -> Decimal | None:
        """A number as Decimal. Text such as "89.90" is accepted too, and keeps its digits."""
        value = self.raw(key)
        if value is None:
            return None
        number = _as_decimal(value)
        if number is None:
            self.report(key, 'must be a number, or text such as "89.90"', value)
            return None
        if number < minimum:
            self.report(key, f"must be {minimum} or more", value)
            return None
        return number

    def integer(self, key: str, *, minimum: int, required: bool = False) -> int | None:
        value = self.raw(key, required=required)
        if value is None:
            return None
        number = _as_decimal(value) if not isinstance(value, str) else None
        if number is None or number != number.to_integral_value():
            hint = " (text can be converted with $number(...))" if isinstance(value, str) else ""
            self.report(key, f"must be a whole number{hint}", value)
            return None
        if number < minimum:
            self.report(key, f"must be {minimum} or more", value)
            return None
        return int(number)

    def boolean(self, key: str, *, required: bool = False) -> bool | None:
        value = self.raw(key, required=required)
        if value is None or isinstance(value, bool):
            return value
        self.report(key, "must be true or false", value)
        return None

    def status(self, key: str, ours: Collection[str]) -> str | None:
        """One of our statuses. The message itself names the partner's word (a status word, not
        customer data; the call log keeps messages, never values) and every status we know."""
        listed = ", ".join(ours)
        value = self.raw(key)
        if value is None:
            self.report(
                key,
                f"is required: map each of the partner's statuses to one of ours ({listed}). "
                "A $lookup table without the partner's word leaves it empty; write "
                "$lookup({…}, body.state) ?: body.state so an unmapped word is named here",
                self.data.get(key, MISSING),
            )
            return None
        if value not in ours:
            self.report(
                key,
                f"{describe(value)} is not one of our statuses ({listed}): map the partner's "
                "word to one of them, e.g. with $lookup",
                value,
            )
            return None
        return value

    def currency(self, key: str) -> str | None:
        value = self.text(key)
        if value is not None and not _CURRENCY.fullmatch(value):
            self.report(key, 'must be a 3-letter ISO 4217 code in capitals, e.g. "EUR"', value)
            return None
        return value

    def gtin(self, key: str) -> str | None:
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.report(key, "must be text (a number loses leading zeros)", value)
            return None
        problem = gtin_problem(value)
        if problem:
            self.report(key, problem, value)
            return None
        return gtin_normalise(value).code

    def url(self, key: str) -> str | None:
        value = self.raw(key)
        if value is None:
            return None
        problem = url_problem(value)
        if problem:
            self.report(key, problem, value)
            return None
        return value

    def urls(self, key: str) -> tuple[str, ...]:
        found = []
        for path, item in self.items(key, single=str):
            problem = url_problem(item)
            if problem:
                self.problems.add(path, problem, item)
            else:
                found.append(item)
        return tuple(found)

    def iso_date(self, key: str) -> date | None:
        value = self.raw(key)
        if value is None:
            return None
        parsed = _as_datetime(value)
        if parsed is None:
            self.report(key, 'must be an ISO date, e.g. "2025-03-31"', value)
            return None
        return parsed.date() if isinstance(parsed, datetime) else parsed

    def iso_datetime(self, key: str) -> datetime | None:
        """A moment; without a time zone it is taken as UTC."""
        value = self.raw(key)
        if value is None:
            return None
        parsed = _as_datetime(value)
        if parsed is None:
            self.report(key, 'must be an ISO date and time, e.g. "2025-03-31T14:05:00Z"', value)
            return None
        if not isinstance(parsed, datetime):
            parsed = datetime(parsed.year, parsed.month, parsed.day)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def text_map(self, key: str) -> dict[str, str]:
        """An object of texts, e.g. {"size": "42", "colour": "red"}. Numbers become text; null
        values are left out."""
        value = self.raw(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.report(key, 'must be an object of texts, e.g. {"size": "42"}', value)
            return {}
        texts = {}
        for name, item in value.items():
            if isinstance(item, str):
                texts[name] = item
            elif isinstance(item, int | Decimal) and not isinstance(item, bool):
                texts[name] = str(item)
            elif item is not None:
                self.problems.add(child_path(self.path_of(key), name), "must be text", item)
        return texts

    def items(self, key: str, *, single: type | tuple[type, ...]) -> list[tuple[str, Any]]:
        """The (path, item) pairs of a list field. Absent is an empty list (JSONata leaves out
        empty results); a lone `single` value is a one-item list (JSONata unwraps those)."""
        value = self.raw(key)
        path = self.path_of(key)
        if value is None:
            return []
        if isinstance(value, list):
            return [(f"{path}[{index}]", item) for index, item in enumerate(value)]
        if isinstance(value, single) and not isinstance(value, bool):
            return [(path, value)]
        self.report(key, f"must be a list ({LIST_HINT})", value)
        return []


def url_problem(value: Any) -> str | None:
    """What is wrong with `value` as an absolute http(s) URL, or None."""
    if not isinstance(value, str):
        return "must be a web address as text"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or _CONTROL_CHARS.search(value):
        return "must be a web address starting with http:// or https://"
    return None


def _identifier(value: Any) -> tuple[str | None, str | None]:
    """The id as text and None, or None and what is wrong."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value), None
    if not isinstance(value, str):
        return None, "must be text or a whole number"
    if not value.strip():
        return None, "must not be empty"
    return value, None


def _as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float) and math.isfinite(value):  # from callers that parsed JSON
        return float_to_decimal(value)
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value.strip()):
        return Decimal(value.strip())
    return None


def _as_datetime(value: Any) -> date | datetime | None:
    if not isinstance(value, str):
        return None
    for parse in (date.fromisoformat, datetime.fromisoformat):
        try:
            return parse(value)
        except ValueError:
            continue
    return None
