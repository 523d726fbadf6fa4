"""The admin's "Preview mapping": run a mapping on a sample and show every step.

Never raises for the merchandiser's mistakes (a broken sample, a syntax error, a runaway or wrong
mapping): each becomes a `PreviewError`, field by field for shape problems, next to whatever steps
did succeed. Only a programming error (an unknown operation, direction or input format) raises.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from partners.bounded_json import json_loads_bounded
from partners.mapping.canonical import LOOKUP_PRODUCT
from partners.mapping.engine import DIRECTIONS, compile_mapping, response_mapping_input
from partners.mapping.errors import (
    MappingError,
    MappingLimitExceeded,
    MappingSyntaxError,
    ShapeError,
)
from partners.mapping.limits import MappingLimits, default_limits
from partners.mapping.outputs import validate_output
from partners.mapping.request_parts import validate_request
from partners.mapping.values import TooDeep, to_json_friendly, to_mapping_value
from partners.mapping.xml import xml_to_data

INPUT_FORMATS = ("json", "xml")


@dataclass(frozen=True)
class PreviewError:
    """`stage` is where it went wrong: input, syntax, limit, evaluation or shape. `path` is the
    field (shape) or the place in the expression (syntax)."""

    stage: str
    message: str
    path: str = ""
    value: str = ""


@dataclass(frozen=True)
class PreviewResult:
    """Each step as JSON-ready data. `parsed_input` is what the mapping received, `output` its
    raw result, `result` the validated canonical object (exact decimals as text). `not_carried`
    is true when a lookup's answer means the partner does not carry the item (the mapping gave
    null, e.g. for a 404)."""

    parsed_input: Any = None
    output: Any = None
    result: Any = None
    errors: tuple[PreviewError, ...] = ()
    not_carried: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def preview(
    expression: str,
    sample_payload: str,
    *,
    operation: str,
    direction: str,
    input_format: str = "json",
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    operation_input: Mapping[str, Any] | None = None,
    lookup_kind: str = LOOKUP_PRODUCT,
    limits: MappingLimits | None = None,
) -> PreviewResult:
    """Run `expression` on `sample_payload`.

    For a response mapping the sample is the partner's body (JSON or XML) and the mapping receives
    {"status", "headers", "body"} with `operation_input` as $input. For a request mapping the
    data is `operation_input` when given, else the sample read as JSON. `lookup_kind` is the
    partner's (a lookup of an availability-only partner produces an Availability).
    """
    limits = limits or default_limits()
    if input_format not in INPUT_FORMATS or direction not in DIRECTIONS:
        raise ValueError(f"unknown input format {input_format!r} or direction {direction!r}")
    if direction == "request" and input_format != "json":
        raise ValueError("a request mapping's sample is the operation input, which is JSON")
    if direction == "request" and operation_input is not None:
        sample_payload = ""
    try:
        sample = _parse_sample(sample_payload, input_format)
    except (ValueError, MappingError) as error:
        message = f"the sample is not valid {input_format.upper()}: {error}"
        return PreviewResult(errors=(PreviewError("input", message),))
    if direction == "response":
        data = response_mapping_input(status=status, headers=headers or {}, body=sample)
        bindings = {"input": dict(operation_input or {})}
    elif operation_input is not None:
        data, bindings = dict(operation_input), {}
    else:
        data, bindings = sample, {}
    shown_input = _shown(data, limits)
    try:
        mapping = compile_mapping(
            expression, operation=operation, direction=direction, limits=limits
        )
        output = mapping.evaluate(data, bindings=bindings)
    except MappingError as error:
        return PreviewResult(parsed_input=shown_input, errors=(_failure(error),))
    try:
        if direction == "response":
            result = validate_output(operation, output, lookup_kind=lookup_kind)
        else:
            result = validate_request(operation, output)
    except ShapeError as error:
        return PreviewResult(
            parsed_input=shown_input,
            output=_shown(output, limits),
            errors=tuple(
                PreviewError("shape", problem.message, problem.path, problem.value)
                for problem in error.problems
            ),
        )
    return PreviewResult(
        parsed_input=shown_input,
        output=_shown(output, limits),
        result=to_json_friendly(result),
        not_carried=direction == "response" and operation == "lookup" and result is None,
    )


def _parse_sample(payload: str, input_format: str) -> Any:
    if not payload.strip():
        return None
    if input_format == "xml":
        return xml_to_data(payload)
    return json_loads_bounded(payload, parse_float=Decimal)


def _shown(value: Any, limits: MappingLimits) -> Any:
    """Data as the mapping sees it (plain JSON numbers); None when too deep to show."""
    try:
        return to_mapping_value(value, max_depth=limits.max_depth)
    except TooDeep:
        return None


def _failure(error: MappingError) -> PreviewError:
    if isinstance(error, MappingSyntaxError):
        where = f"line {error.line}, column {error.column}" if error.line else ""
        return PreviewError("syntax", str(error), where)
    if isinstance(error, MappingLimitExceeded):
        return PreviewError("limit", str(error))
    return PreviewError("evaluation", str(error))
