"""What a request mapping produces: the variable parts of one HTTP request to a partner.

A request mapping returns an object with any of `path` (values for the path template's
{parameters}), `query`, `headers` and `body`. Everything is checked here, before anything is sent,
so a wrong mapping shows up as a ShapeError naming the field instead of a malformed request.
Header names that look like they carry a secret are refused (see `partners.header_rules`): a
mapping is plain text kept in history, so a literal secret in it would be too.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from partners.header_rules import (
    CLIENT_HEADERS,
    HEADER_NAME,
    LINE_BREAKS,
    PLAIN_TEXT_HEADER_REFUSAL,
    secret_header_name,
)
from partners.mapping.engine import checked_operation
from partners.mapping.fields import Fields, Problems, child_path
from partners.mapping.values import TooDeep, to_mapping_value

_BODY_MAX_DEPTH = 64


@dataclass(frozen=True)
class RequestParts:
    """`query` values are text or lists of text (a repeated parameter); `body` is plain JSON
    (numbers as int/float, ready for json.dumps) or, for XML partners, a dict for data_to_xml."""

    path: dict[str, str] = field(default_factory=dict)
    query: dict[str, str | list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


def validate_request(operation: str, data: Any) -> RequestParts:
    """Check a request mapping's result. Null means "nothing to add to the configured request"."""
    problems = Problems(checked_operation(operation))
    if data is None:
        return RequestParts()
    fields = Fields(data, "", problems, known=("path", "query", "headers", "body"))
    parts = RequestParts(
        path=_path_values(fields),
        query=_query_values(fields),
        headers=_header_values(fields),
        body=_body(fields),
    )
    problems.raise_if_any("request")
    return parts


def _object(fields: Fields, key: str, example: str) -> dict[str, Any]:
    value = fields.raw(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        fields.report(key, f"must be an object, e.g. {example}", value)
        return {}
    return value


def _text(value: Any) -> str | None:
    """A scalar as it is written in a URL, or None when it is not a scalar."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | Decimal):
        return str(value)
    return None


def _path_values(fields: Fields) -> dict[str, str]:
    values = {}
    for name, value in _object(fields, "path", '{"sku": code}').items():
        path = child_path(fields.path_of("path"), name)
        text = _text(value) if not isinstance(value, bool) else None
        if text is None:
            fields.problems.add(path, "must be text or a number", value)
        elif text in ("", ".", "..") or LINE_BREAKS.search(text):
            fields.problems.add(path, "must be a usable path segment (not empty, . or ..)", value)
        else:
            values[name] = text
    return values


def _query_values(fields: Fields) -> dict[str, str | list[str]]:
    values: dict[str, str | list[str]] = {}
    for name, value in _object(fields, "query", '{"q": query}').items():
        path = child_path(fields.path_of("query"), name)
        if value is None:  # null leaves the parameter out, e.g. no page on the first call
            continue
        if isinstance(value, list):
            texts = [_text(item) for item in value]
            if None in texts:
                fields.problems.add(path, "must be a list of texts or numbers", value)
            else:
                values[name] = texts
            continue
        text = _text(value)
        if text is None:
            fields.problems.add(path, "must be text, a number or a list of them", value)
        else:
            values[name] = text
    return values


def _header_values(fields: Fields) -> dict[str, str]:
    values = {}
    for name, value in _object(fields, "headers", '{"Accept-Language": "en"}').items():
        path = child_path(fields.path_of("headers"), name)
        if value is None:
            continue
        if not HEADER_NAME.fullmatch(name):
            fields.problems.add(path, "is not a valid header name", name)
        elif name.lower() in CLIENT_HEADERS:
            fields.problems.add(path, "is set by the HTTP client and cannot be mapped", value)
        elif secret_header_name(name):
            # Only the name is shown: the value is the secret that must not be echoed.
            fields.problems.add(path, PLAIN_TEXT_HEADER_REFUSAL, name)
        elif not isinstance(value, str):
            fields.problems.add(path, "must be text (use $string(...) for numbers)", value)
        elif LINE_BREAKS.search(value):
            fields.problems.add(path, "must not contain line breaks", value)
        else:
            values[name] = value
    return values


def _body(fields: Fields) -> Any:
    try:
        return to_mapping_value(fields.raw("body"), max_depth=_BODY_MAX_DEPTH)
    except TooDeep:
        fields.report("body", f"is nested deeper than {_BODY_MAX_DEPTH} levels", "…")
        return None
