"""Proofs that a partner works, recorded at the configuration version they ran on: Test
connection runs, test orders and sign-offs (each service writes one PartnerProof, outside any
partner call). The go-live gate (`partners.go_live`) reads them."""

import re
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from partners.adapters.base import CallTrace
from partners.live_versions import partner_being_proven
from partners.mapping import Availability, OrderConfirmation, Product, SearchPage
from partners.models import Partner, PartnerCall, PartnerProof
from partners.operations import Operation

# A recorded answer is kept up to this size; a larger one still counts as a proof (its mapping
# passed at this version), it just cannot be checked again.
ANSWER_KEPT_MAX_BYTES = 256 * 1024
HEADER_VALUE_MAX_CHARS = 500
# Response headers never kept: they may carry credentials or session state.
HEADERS_NOT_KEPT = re.compile(r"cookie|auth|token|secret|key|signature|session", re.IGNORECASE)
SIGN_OFF_REASON_MIN_CHARS = 10
SIGN_OFF_REASON_MAX_CHARS = 2000


def trace_answer(trace: CallTrace, data: dict[str, Any]) -> dict[str, Any] | None:
    """What the response mapping saw of the partner's answer (`data` is the operation input,
    the mapping's `$input`), to check mappings on it again; None when no mapping ran on an
    answer, or the answer is too large or not UTF-8 text."""
    mapping_ran = trace.error is None or trace.error.outcome == PartnerCall.Outcome.MAPPING_ERROR
    if trace.status is None or not mapping_ran or len(trace.response_body) > ANSWER_KEPT_MAX_BYTES:
        return None
    try:
        body = trace.response_body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    headers = {
        name: value[:HEADER_VALUE_MAX_CHARS]
        for name, value in trace.response_headers.items()
        if not HEADERS_NOT_KEPT.search(name)
    }
    return {"input": data, "status": trace.status, "headers": headers, "body": body}


def result_proves(operation: Operation, result: Any) -> bool:
    """Whether a successful answer exercised the response mapping on something real: a lookup
    that found the item, a search or similar items with a product, any order status."""
    if operation == Operation.LOOKUP:
        return isinstance(result, Product | Availability)
    if operation == Operation.SEARCH:
        return isinstance(result, SearchPage) and bool(result.products)
    if operation == Operation.SIMILAR:
        return bool(result)
    if operation == Operation.PLACE_ORDER:
        return isinstance(result, OrderConfirmation) and result.status != "rejected"
    return result is not None


def orderable_items(result: Any, data: dict[str, Any]) -> list[dict[str, Any]]:
    """The items a lookup answer offers, as test-order lines can use them: partner SKU, GTIN,
    what the partner charges us (text, or None when not said), how many it has and a label."""
    if isinstance(result, Availability):
        if not result.available:
            return []
        gtin = data.get("code") if data.get("gtin14") else None
        if result.partner_sku is None and gtin is None:
            return []
        label = f"{data['code']} (availability only, no cost given)"
        return [
            {"partner_sku": result.partner_sku, "gtin": gtin, "unit_cost": None,
             "currency": None, "available_quantity": result.available_quantity, "label": label}
        ]  # fmt: skip
    if not isinstance(result, Product):
        return []
    items = []
    for variant in result.variants:
        attributes = ", ".join(f"{name} {value}" for name, value in variant.attributes.items())
        cost = "cost not given" if variant.cost is None else f"{variant.cost} {variant.currency}"
        name = result.name or result.partner_product_id
        items.append(
            {
                "partner_sku": variant.partner_sku,
                "gtin": variant.gtin,
                "unit_cost": None if variant.cost is None else str(variant.cost),
                "currency": variant.currency or result.currency,
                "available_quantity": variant.available_quantity,
                "label": f"{name} · {attributes or 'one variant'} · "
                f"{variant.partner_sku or variant.gtin} · {cost}",
            }
        )
    return items


def test_order_partner_order_ids(partner: Partner) -> set[str]:
    """The partner order ids our test orders got: their status answers hold no customer data."""
    ids = set()
    for detail in partner.proofs.filter(kind=PartnerProof.Kind.TEST_ORDER).values_list(
        "detail", flat=True
    ):
        ids.update(order["partner_order_id"] for order in detail.get("orders", []))
    return ids - {None}


def connection_test_record(
    *,
    partner: Partner,
    trace: CallTrace,
    data: dict[str, Any],
    value: str,
    summary: str,
    by: AbstractBaseUser | None,
) -> PartnerProof:
    """Record one Test connection run at the partner's configuration version: who, when, the
    outcome, and the partner's answer as the mapping saw it (for an order status, only when the
    order is one of our test orders: a real order's status may name its customer)."""
    operation = Operation(trace.operation)
    passed = trace.error is None and result_proves(operation, trace.result)
    answer = trace_answer(trace, data)
    if operation == Operation.ORDER_STATUS and value not in test_order_partner_order_ids(partner):
        answer = None
    return PartnerProof.objects.create(
        partner=partner,
        config_version=partner.config_version,
        kind=PartnerProof.Kind.CONNECTION_TEST,
        operation=operation,
        passed=passed,
        value=value[:200],
        summary=summary[:500],
        answers=[answer] if answer else [],
        detail={"items": orderable_items(trace.result, data)}
        if operation == Operation.LOOKUP and passed
        else {},
        created_by=by,
    )


def place_order_sign_off(
    *, partner: Partner, reason: str, by: AbstractBaseUser | None
) -> PartnerProof:
    """Sign off place_order for a partner that has no test mode, at its current version. The
    two-line check of its mapping still applies at the gate."""
    reason = reason.strip()
    if len(reason) > SIGN_OFF_REASON_MAX_CHARS:
        raise ValidationError(f"Keep the reason under {SIGN_OFF_REASON_MAX_CHARS} characters.")
    if len(reason) < SIGN_OFF_REASON_MIN_CHARS:
        raise ValidationError(
            f"Say why orders cannot be tested (at least {SIGN_OFF_REASON_MIN_CHARS} characters)."
        )
    with transaction.atomic():
        locked = Partner.objects.select_for_update().get(pk=partner.pk)
        if not partner_being_proven(locked):
            raise ValidationError(
                "Orders are signed off for a partner in testing, or for a live partner's "
                "pending version."
            )
        return PartnerProof.objects.create(
            partner=locked,
            config_version=locked.config_version,
            kind=PartnerProof.Kind.SIGN_OFF,
            operation=Operation.PLACE_ORDER,
            passed=True,
            summary=f"Orders signed off without a test order: {reason}"[:500],
            reason=reason,
            created_by=by,
        )
