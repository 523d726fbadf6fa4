"""The admin's Test connection: one real call, every step shown, nothing ordered, and recorded
as a proof at the partner's configuration version (partners/proofs.py)."""

import json
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser

from partners.adapters.base import CallTrace
from partners.adapters.registry import adapter_for
from partners.mapping import (
    Availability,
    lookup_input,
    partner_order_input,
    search_input,
    similar_input,
    to_json_friendly,
)
from partners.models import Partner
from partners.operations import Operation
from partners.proofs import connection_test_record, result_proves
from partners.selectors import partner_accepts_new_work

# Which operation input the typed value becomes.
INPUT_OF = {
    Operation.LOOKUP: lookup_input,
    Operation.SEARCH: search_input,
    Operation.SIMILAR: similar_input,
    Operation.ORDER_STATUS: partner_order_input,
}


@dataclass
class ConnectionTestResult:
    ok: bool
    summary: str
    request_line: str = ""
    status: int | None = None
    latency_ms: int | None = None
    raw_body: str = ""
    mapped: str = ""
    canonical: str = ""
    errors: list[str] = field(default_factory=list)


def pretty_json(value) -> str:
    """Indented JSON for the admin's pages; nothing for no value."""
    if value is None:
        return ""
    return json.dumps(to_json_friendly(value), indent=2, ensure_ascii=False)


def connection_test_refusal(partner: Partner) -> str:
    """Why a paused or retired partner is not sent a test lookup, search or similar items."""
    return (
        f"{partner} is {partner.get_status_display().lower()}: it takes no new lookups, searches "
        "or similar-item calls, tests included. Checking an order's status still works; move it "
        "to testing to test the rest."
    )


def partner_connection_test(
    *, partner: Partner, operation: str, value: str, by: AbstractBaseUser | None = None
) -> ConnectionTestResult:
    """Run the test and record it. Call outside any transaction: partner calls refuse to run
    inside one."""
    operation = Operation(operation)
    if operation != Operation.ORDER_STATUS and not partner_accepts_new_work(partner):
        return ConnectionTestResult(ok=False, summary=connection_test_refusal(partner))
    data = INPUT_OF[operation](value)
    trace: CallTrace = adapter_for(partner).trace(operation, data)
    if trace.error is not None:
        summary = str(trace.error)
    elif trace.result is None:
        summary = f"{partner} answered: {value} is not carried."
    elif isinstance(trace.result, Availability):
        can = "can" if trace.result.available else "cannot"
        summary = f"{partner} answered and the mapping fits: it {can} supply {value}."
    else:
        summary = f"{partner} answered and the mapping fits."
    if trace.error is None and not result_proves(operation, trace.result):
        summary += " This proves nothing yet: test with something the partner has."
    connection_test_record(
        partner=partner, trace=trace, data=data, value=value, summary=summary, by=by
    )
    return ConnectionTestResult(
        ok=trace.error is None,
        summary=summary,
        request_line=trace.request_line,
        status=trace.status,
        latency_ms=trace.latency_ms,
        raw_body=trace.raw_body,
        mapped="" if trace.mapped is None else pretty_json(trace.mapped),
        canonical="" if trace.result is None else pretty_json(trace.result),
        errors=trace.errors,
    )
