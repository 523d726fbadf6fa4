"""Checks of an operation configuration that a merchandiser can act on, each naming the field."""

import string

from partners.mapping import (
    MappingError,
    OrderRequest,
    ShapeError,
    compile_mapping,
    order_mapping_line_problems,
    order_request_sample,
    validate_request,
)
from partners.models import OperationConfig, Partner
from partners.operations import Operation


def path_parameters(path_template: str) -> list[str]:
    """The {names} in a path template; raises ValueError for a malformed template."""
    return [name for _, name, _, _ in string.Formatter().parse(path_template) if name is not None]


def operation_config_problems(config: OperationConfig) -> list[str]:
    label = config.get_operation_display()
    problems = []
    try:
        names = path_parameters(config.path_template)
    except ValueError as error:
        problems.append(f"{label} · path template: {error}")
    else:
        if not config.path_template.startswith("/"):
            problems.append(f"{label} · path template: must start with /")
        problems.extend(
            f"{label} · path template: {{{name}}} must be a plain name"
            for name in names
            if not name.isidentifier()
        )
    if not isinstance(config.headers, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in config.headers.items()
    ):
        problems.append(f'{label} · headers: must be an object of texts, e.g. {{"Accept": "…"}}')
    else:
        try:
            validate_request(config.operation, {"headers": config.headers})
        except ShapeError as error:
            problems.extend(
                f"{label} · {problem.path}: {problem.message}" for problem in error.problems
            )
    if not isinstance(config.accepted_statuses, list) or not all(
        isinstance(code, int) and 100 <= code <= 599 for code in config.accepted_statuses
    ):
        problems.append(f"{label} · accepted statuses: must be a list of HTTP codes, e.g. [404]")
    for direction, expression in (
        ("request", config.request_mapping),
        ("response", config.response_mapping),
    ):
        if not expression.strip():
            if direction == "response":
                problems.append(f"{label} · response mapping: required")
            continue
        try:
            compile_mapping(expression, operation=config.operation, direction=direction)
        except MappingError as error:  # unreadable, too long, or too slow or big to read
            problems.append(str(error))  # it names the operation and direction itself
    return problems


def place_order_mapping_problems(partner: Partner, sample: OrderRequest | None = None) -> list[str]:
    """For the go-live gate: whether the partner's place_order request mapping sends every line
    of `sample` (an order of two lines or more; made-up lines when None), or, for a partner that
    takes one item per order, each line as its own order. See partners/mapping/order_lines.py.
    A code adapter builds its requests in code, which is reviewed instead: nothing to report."""
    if partner.adapter != "declarative":
        return []
    config = partner.operations.filter(operation=Operation.PLACE_ORDER).first()
    if config is None:
        return [f"{Operation.PLACE_ORDER.label}: not configured"]
    problems = order_mapping_line_problems(
        config.request_mapping,
        sample or order_request_sample(),
        one_item_per_order=partner.one_item_per_order,
    )
    return [
        f"{config.get_operation_display()} · request mapping: {problem}" for problem in problems
    ]
