"""The go-live gate: what a partner must prove, at its current configuration version, before
associates may use it (ADR "What live proves"). Each check takes the partner and returns its
problems; a problem names what is missing and links to the admin page that fixes it (a check
may return plain text: it then links to the partner's page). The list of checks is
`partners.services.GO_LIVE_CHECKS`."""

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.urls import reverse

from partners.adapters.registry import adapter_for
from partners.bounded_json import json_loads_bounded
from partners.mapping import (
    MappingError,
    compile_mapping,
    order_request_sample,
    response_mapping_input,
    validate_output,
    xml_to_data,
)
from partners.models import OperationConfig, Partner, PartnerProof
from partners.operations import REQUIRED_TO_GO_LIVE, Operation
from partners.test_orders import test_order_line
from partners.validation import operation_config_problems, place_order_mapping_problems

DECLARATIVE = "declarative"
# Read operations that need a passing Test connection when the partner offers them.
READ_OPERATIONS = (Operation.LOOKUP, Operation.SEARCH, Operation.SIMILAR, Operation.ORDER_STATUS)


class GoLiveProblem(str):
    """One thing missing before going live: its text (what ValidationErrors and imports show)
    and `link`, the admin page that fixes it."""

    link: str

    def __new__(cls, message: str, *, link: str) -> "GoLiveProblem":
        problem = super().__new__(cls, message)
        problem.link = link
        return problem


Check = Callable[[Partner], Iterable[str]]


def go_live_problems(partner: Partner, checks: Iterable[Check]) -> list[GoLiveProblem]:
    problems = []
    for check in checks:
        for problem in check(partner):
            if not isinstance(problem, GoLiveProblem):
                problem = GoLiveProblem(problem, link=_admin_url("change", partner))
            problems.append(problem)
    return problems


def _admin_url(view: str, partner: Partner, **query: str) -> str:
    url = reverse(f"admin:partners_partner_{view}", args=[partner.pk])
    return url + (
        "?" + "&".join(f"{name}={value}" for name, value in query.items()) if query else ""
    )


def offered_operations(partner: Partner) -> set[Operation]:
    """What the partner offers: its configured operations, or what its code adapter supports."""
    if partner.adapter == DECLARATIVE:
        return {Operation(config.operation) for config in partner.operations.all()}
    try:
        adapter = adapter_for(partner)
    except LookupError:
        return set()
    return {operation for operation in Operation if adapter.supports(operation)}


def operations_problems(partner: Partner) -> list[GoLiveProblem]:
    """Lookup and place_order configured and valid (a code adapter: supported)."""
    link = _admin_url("change", partner)
    if partner.adapter != DECLARATIVE:
        try:
            adapter = adapter_for(partner)
        except LookupError as error:
            return [GoLiveProblem(str(error), link=link)]
        return [
            GoLiveProblem(
                f"{operation.label}: not supported by the {partner.adapter} adapter", link=link
            )
            for operation in REQUIRED_TO_GO_LIVE
            if not adapter.supports(operation)
        ]
    configs = {config.operation: config for config in partner.operations.all()}
    problems = []
    for operation in REQUIRED_TO_GO_LIVE:
        config = configs.get(operation)
        if config is None:
            problems.append(GoLiveProblem(f"{operation.label}: not configured", link=link))
        else:
            problems.extend(
                GoLiveProblem(problem, link=link) for problem in operation_config_problems(config)
            )
    return problems


def _proofs(partner: Partner) -> list[PartnerProof]:
    return list(partner.proofs.all())


def read_proof_problems(partner: Partner) -> list[GoLiveProblem]:
    """A passing Test connection, on this version, of lookup and every other read offered."""
    proofs = [
        proof for proof in _proofs(partner) if proof.kind == PartnerProof.Kind.CONNECTION_TEST
    ]
    offered = offered_operations(partner)
    problems = []
    for operation in READ_OPERATIONS:
        if operation not in offered:
            continue
        tests = [proof for proof in proofs if proof.operation == operation]
        current = [proof for proof in tests if proof.config_version == partner.config_version]
        if any(proof.passed for proof in current):
            continue
        link = _admin_url("test_connection", partner, operation=operation.value)
        if current:
            message = (
                f"{operation.label}: Test connection did not pass on configuration version "
                f"{partner.config_version}; the last run: {current[0].summary}"
            )
        elif tests:
            message = (
                f"{operation.label}: last tested on configuration version "
                f"{tests[0].config_version}, but the configuration is now version "
                f"{partner.config_version}: run Test connection again"
            )
        else:
            message = f"{operation.label}: no Test connection yet"
        problems.append(GoLiveProblem(message, link=link))
    return problems


def recorded_answer_problems(partner: Partner) -> list[GoLiveProblem]:
    """Each configured response mapping, run again on the partner's real answers recorded on
    this version (the newest answer to each code, text or id), must give our canonical shape."""
    if partner.adapter != DECLARATIVE:
        return []  # a code adapter's answers are read by reviewed code, not mappings
    configs = {config.operation: config for config in partner.operations.all()}
    newest: dict[tuple[str, str], tuple[PartnerProof, dict]] = {}
    for proof in _proofs(partner):
        if proof.config_version != partner.config_version or proof.operation not in configs:
            continue
        for answer in proof.answers:
            key = (proof.operation, _answer_key(proof, answer))
            newest.setdefault(key, (proof, answer))
    problems = []
    for (operation, value), (proof, answer) in newest.items():
        config = configs[operation]
        if failures := answer_mapping_problems(partner, config, answer):
            problems.append(
                GoLiveProblem(
                    f"{config.get_operation_display()} · response mapping fails on the "
                    f"partner's answer to {value} ({proof.get_kind_display()} of "
                    f"{proof.created_at:%Y-%m-%d %H:%M}): {'; '.join(failures)}",
                    link=_admin_url(
                        "preview_mapping", partner, operation=operation, direction="response"
                    ),
                )
            )
    return problems


def _answer_key(proof: PartnerProof, answer: dict[str, Any]) -> str:
    if proof.kind == PartnerProof.Kind.TEST_ORDER:
        return str(answer["input"].get("reference") or proof.value)
    return proof.value


def answer_mapping_problems(
    partner: Partner, config: OperationConfig, answer: dict[str, Any]
) -> list[str]:
    """What the configuration's response mapping gets wrong on a recorded answer."""
    try:
        body = _body(config, answer["body"])
    except (ValueError, MappingError) as error:
        return [f"the answer cannot be read as {config.body_format.upper()}: {error}"]
    try:
        mapping = compile_mapping(
            config.response_mapping, operation=config.operation, direction="response"
        )
        mapped = mapping.evaluate(
            response_mapping_input(status=answer["status"], headers=answer["headers"], body=body),
            bindings={"input": answer["input"]},
        )
        validate_output(config.operation, mapped, lookup_kind=partner.lookup_kind)
    except MappingError as error:
        return [str(problem) for problem in getattr(error, "problems", None) or [error]]
    return []


def _body(config: OperationConfig, text: str) -> Any:
    if not text.strip():
        return None
    if config.body_format == OperationConfig.BodyFormat.XML:
        return xml_to_data(text)
    return json_loads_bounded(text.encode(), parse_float=Decimal)


def place_order_proof_problems(partner: Partner) -> list[GoLiveProblem]:
    """place_order proven on this version by a test order that passed, or signed off."""
    if Operation.PLACE_ORDER not in offered_operations(partner):
        return []
    current = [
        proof
        for proof in _proofs(partner)
        if proof.operation == Operation.PLACE_ORDER
        and proof.config_version == partner.config_version
    ]
    if any(proof.passed for proof in current):
        return []
    message = (
        f"{Operation.PLACE_ORDER.label}: send a test order on configuration version "
        f"{partner.config_version} (or, for a partner without a test mode, sign orders off)"
    )
    if failed := [proof for proof in current if proof.kind == PartnerProof.Kind.TEST_ORDER]:
        message += f"; the last test order failed: {failed[0].summary}"
    return [GoLiveProblem(message, link=_admin_url("test_order", partner))]


def order_lines_problems(partner: Partner) -> list[GoLiveProblem]:
    """The place_order request mapping sends every line of a two-line order (each as its own
    order for a one-item-per-order partner): on the lines of the latest test order, or on
    made-up lines where orders were signed off."""
    if Operation.PLACE_ORDER not in offered_operations(partner):
        return []
    sample = None
    test_order = partner.proofs.filter(kind=PartnerProof.Kind.TEST_ORDER).first()
    if test_order is not None and len(test_order.detail["lines"]) >= 2:
        sample = order_request_sample(
            [test_order_line(line, line["quantity"]) for line in test_order.detail["lines"]]
        )
    link = _admin_url("preview_mapping", partner, operation="place_order", direction="request")
    return [
        GoLiveProblem(problem, link=link)
        for problem in place_order_mapping_problems(partner, sample)
    ]
