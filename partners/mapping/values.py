"""Conversions between our Python values and the JSON values a JSONata expression works on.

JSONata computes with floats. Going in, Decimal and dates become plain JSON numbers and strings.
Coming out, floats become Decimal through their text rounded to 15 significant digits, the
precision a double holds reliably: `8990 / 100` arrives as Decimal("89.9") rather than
Decimal(89.9000000000000056...), and `89.9 * 3` as Decimal("269.7") rather than the binary noise
of Decimal("269.70000000000005").
"""

import dataclasses
import json
import math
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

FLOAT_DIGITS = 15


class UnsupportedValue(TypeError):
    """A value JSON cannot hold (a function, NaN, an unknown object) or data nested too deeply."""


class TooDeep(UnsupportedValue):
    """Data nested deeper than the allowed depth."""


def to_mapping_value(value: Any, *, max_depth: int) -> Any:
    """Our data as plain JSON values for JSONata: Decimal → int or float, date → ISO text,
    tuples → lists, mappings → dicts. Raises UnsupportedValue for anything else."""
    return _convert(value, max_depth, _to_mapping_scalar)


def from_mapping_value(value: Any, *, max_depth: int) -> Any:
    """A JSONata result as plain Python JSON values with floats as Decimal.

    Raises UnsupportedValue when the result holds something that is not data (a function)."""
    return _convert(value, max_depth, _from_mapping_scalar)


def _convert(value: Any, depth_left: int, scalar: Callable[[Any], Any]) -> Any:
    if isinstance(value, Mapping | list | tuple) and depth_left <= 0:
        raise TooDeep("nested too deeply")
    if isinstance(value, Mapping):
        return {str(key): _convert(item, depth_left - 1, scalar) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_convert(item, depth_left - 1, scalar) for item in value]
    return scalar(value)


def _to_mapping_scalar(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UnsupportedValue(f"{value} is not a JSON number")
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise UnsupportedValue(f"{value} is not a JSON number")
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):  # datetime is a date too
        return value.isoformat()
    raise UnsupportedValue(f"a {type(value).__name__} cannot be given to a mapping")


def _from_mapping_scalar(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return float_to_decimal(value)
    raise UnsupportedValue("the result contains a function or other non-data value")


def float_to_decimal(value: float) -> Decimal:
    return Decimal(format(value, f".{FLOAT_DIGITS}g"))


def json_size_exceeds(value: Any, limit: int, *, indent: int | None = None) -> bool:
    """Whether `value` serialised as JSON is longer than `limit` characters.

    Serialises piece by piece and stops at the limit, so a result that repeats one large string
    many times is measured without ever being built in full. Values JSON cannot hold count as their
    text (Decimal) or as null (JSONata's functions and markers).
    """
    size = 0
    for chunk in _chunks(value, indent):
        size += len(chunk)
        if size > limit:
            return True
    return False


def _chunks(value: Any, indent: int | None) -> Iterator[str]:
    encoder = json.JSONEncoder(
        ensure_ascii=False, check_circular=False, indent=indent, default=_size_default
    )
    return encoder.iterencode(value)


def _size_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return None


def to_json_friendly(value: Any) -> Any:
    """A canonical object (dataclasses, Decimal, dates) as JSON-ready data for a page or a log.

    Decimal becomes text so that "89.90" stays "89.90"."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: to_json_friendly(getattr(value, field.name))
            for field in dataclasses.fields(value)
        }
    if isinstance(value, Mapping):
        return {str(key): to_json_friendly(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_friendly(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
