"""What the admin's Preview mapping loads and runs for a partner: its saved mapping of the chosen
operation and direction, and the preview of a typed one, told the way the partner runtime would
treat it (the partner's lookup kind, its accepted statuses, every order line reaching it)."""

from dataclasses import replace
from typing import Any

from partners.mapping import PreviewError, PreviewResult, order_mapping_line_problems, preview
from partners.models import Partner
from partners.operations import Operation
from partners.selectors import partner_operation_config


def mapping_preview_initial(*, partner: Partner, operation: str, direction: str) -> dict[str, Any]:
    """The saved mapping of `operation` in `direction`, and the answer format it reads; nothing
    when the partner has no such operation."""
    config = partner_operation_config(partner=partner, operation=operation)
    if config is None:
        return {}
    if direction == "request":
        return {"expression": config.request_mapping}
    return {"expression": config.response_mapping, "input_format": config.body_format}


def mapping_preview_run(*, partner: Partner, data: dict[str, Any]) -> PreviewResult:
    """Preview `data` (a valid MappingPreviewForm's cleaned data) as `partner`'s runtime would."""
    operation, direction = data["operation"], data["direction"]
    result = preview(
        data["expression"],
        data.get("sample", ""),
        operation=operation,
        direction=direction,
        input_format=data.get("input_format", "json"),
        status=data.get("status", 200),
        operation_input=data["operation_input"],
        lookup_kind=partner.lookup_kind,
    )
    notes: list[PreviewError] = []
    if direction == "response":
        notes.extend(_status_notes(partner, operation, data["status"]))
    elif operation == Operation.PLACE_ORDER and len(data["order"].lines) > 1:
        notes.extend(
            PreviewError("lines", problem)
            for problem in order_mapping_line_problems(
                data["expression"], data["order"], one_item_per_order=partner.one_item_per_order
            )
        )
    return replace(result, errors=(*notes, *result.errors)) if notes else result


def _status_notes(partner: Partner, operation: str, status: int) -> list[PreviewError]:
    """A status the HTTP client refuses never reaches the mapping: say so, with the fix."""
    if status < 300:
        return []
    config = partner_operation_config(partner=partner, operation=operation)
    if config is not None and status in config.accepted_statuses:
        return []
    meaning = " (e.g. 404 for an item it does not carry)" if operation == Operation.LOOKUP else ""
    return [
        PreviewError(
            "status",
            f"at run time a {status} answer is an error and this mapping never sees it: if "
            f"{partner} answers {status} on purpose{meaning}, add {status} to the saved "
            "operation's accepted statuses",
        )
    ]
