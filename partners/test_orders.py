"""Test orders: one real order of two lines or more, to a test address, with a reference marked
as a test, sent to a partner in testing before it goes live. A partner that takes one item per
order receives each line as its own order, with its own reference and idempotency key. The
lines come from the partner's own lookup answers, recorded by Test connection."""

import secrets
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from partners.adapters.base import CallTrace, PartnerAdapter, call_traced
from partners.adapters.declarative import DeclarativeAdapter
from partners.adapters.registry import adapter_for
from partners.live_versions import partner_being_proven
from partners.mapping import Address, Contact, OrderLine, OrderRequest, partner_order_input
from partners.models import Partner, PartnerProof
from partners.operations import Operation
from partners.proofs import result_proves, trace_answer

TEST_REFERENCE_PREFIX = "TEST-"
TEST_ORDER_LINES_MIN = 2
TEST_ORDER_LINES_MAX = 5
ITEM_CHOICES_FROM = 20  # the latest lookup proofs whose items are offered
# Sent when the lookup did not say what the partner charges (an availability-only partner).
UNKNOWN_COST = Decimal("0.00")
UNKNOWN_COST_CURRENCY = "GBP"
TEST_ADDRESS = {
    "name": "Test Order (do not ship)",
    "line1": "1 Test Street",
    "city": "London",
    "postal_code": "EC1A 1BB",
    "country": "GB",
    "email": "test-orders@example.com",
}

# Parts of an order input that name people, never kept with a proof.
PEOPLE = ("ship_to", "customer")


def test_order_item_choices(partner: Partner) -> dict[str, dict[str, Any]]:
    """The items test-order lines can be chosen from: those of the partner's latest passing
    lookup tests, by key (its SKU and GTIN), newest first, each once."""
    proofs = partner.proofs.filter(
        kind=PartnerProof.Kind.CONNECTION_TEST, operation=Operation.LOOKUP, passed=True
    )[:ITEM_CHOICES_FROM]
    choices: dict[str, dict[str, Any]] = {}
    for proof in proofs:
        for item in proof.detail.get("items", []):
            choices.setdefault(f"{item['partner_sku'] or ''}|{item['gtin'] or ''}", item)
    return choices


def test_order_line(item: dict[str, Any], quantity: int) -> OrderLine:
    known = item["unit_cost"] is not None and item["currency"]
    return OrderLine(
        partner_sku=item["partner_sku"],
        gtin=item["gtin"],
        quantity=quantity,
        unit_cost=Decimal(item["unit_cost"]) if known else UNKNOWN_COST,
        currency=item["currency"] if known else UNKNOWN_COST_CURRENCY,
    )


def test_order_requests(partner: Partner, order: OrderRequest) -> list[OrderRequest]:
    """What the partner receives: the order, or for a one-item-per-order partner each line as
    its own order (reference and idempotency key numbered by line)."""
    if not partner.one_item_per_order:
        return [order]
    return [
        replace(
            order,
            reference=f"{order.reference}-{number}",
            idempotency_key=f"{order.idempotency_key}-{number}",
            lines=(line,),
        )
        for number, line in enumerate(order.lines, 1)
    ]


def test_order_new(
    partner: Partner, lines: Sequence[OrderLine], ship_to: Address, customer: Contact
) -> OrderRequest:
    token = secrets.token_hex(4).upper()
    reference = f"{TEST_REFERENCE_PREFIX}{partner.slug.upper()[:30]}-{token}"
    return OrderRequest(
        reference=reference,
        idempotency_key=reference,
        lines=tuple(lines),
        ship_to=ship_to,
        customer=customer,
    )


def _traced(
    adapter: PartnerAdapter, operation: Operation, data: dict, call: Callable[[], Any], key=None
) -> CallTrace:
    """Every step for the declarative adapter; a code adapter's result or error."""
    if isinstance(adapter, DeclarativeAdapter):
        return adapter.trace(operation, data, idempotency_key=key)
    return call_traced(operation, call)


def partner_test_order_send(
    *, partner: Partner, order: OrderRequest, by: AbstractBaseUser | None
) -> tuple[PartnerProof, list[CallTrace]]:
    """Send a test order (really: the partner receives it) and record it at the partner's
    configuration version, with each request's outcome and the answers the mapping saw. Call
    outside any transaction: partner calls refuse to run inside one."""
    if not partner_being_proven(partner):
        raise ValidationError(
            "Test orders are sent to partners in testing, or to a live partner's pending version."
        )
    if len(order.lines) < TEST_ORDER_LINES_MIN or not order.reference.startswith(
        TEST_REFERENCE_PREFIX
    ):
        raise ValueError("a test order has two lines or more and a TEST- reference")
    adapter = adapter_for(partner)
    traces, answers, orders = [], [], []
    for request in test_order_requests(partner, order):
        data = request.to_mapping_input()
        trace = _traced(
            adapter,
            Operation.PLACE_ORDER,
            data,
            lambda request=request: adapter.place_order(request),
            key=request.idempotency_key,
        )
        traces.append(trace)
        # Kept without the address and contact: a merchandiser may have typed a real person's.
        kept_input = {key: value for key, value in data.items() if key not in PEOPLE}
        if answer := trace_answer(trace, kept_input):
            answers.append(answer)
        confirmation = trace.result
        orders.append(
            {
                "reference": request.reference,
                "partner_order_id": getattr(confirmation, "partner_order_id", None),
                "status": getattr(confirmation, "status", None),
                "error": "; ".join(trace.errors)[:300],
            }
        )
    passed = all(
        trace.error is None and result_proves(Operation.PLACE_ORDER, trace.result)
        for trace in traces
    )
    outcomes = ", ".join(item["status"] or "failed" for item in orders)
    proof = PartnerProof.objects.create(
        partner=partner,
        config_version=partner.config_version,
        kind=PartnerProof.Kind.TEST_ORDER,
        operation=Operation.PLACE_ORDER,
        passed=passed,
        value=order.reference,
        summary=f"Test order {order.reference} of {len(order.lines)} lines in "
        f"{len(orders)} request{'s' if len(orders) > 1 else ''}: {outcomes}."[:500],
        answers=answers,
        detail={
            "lines": [
                {
                    "partner_sku": line.partner_sku,
                    "gtin": line.gtin,
                    "quantity": line.quantity,
                    "unit_cost": str(line.unit_cost),
                    "currency": line.currency,
                }
                for line in order.lines
            ],
            "orders": orders,
            "cancellations": [],
        },
        created_by=by,
    )
    return proof, traces


def partner_test_order_cancel(
    *, proof: PartnerProof, partner_order_id: str, by: AbstractBaseUser | None
) -> CallTrace:
    """Cancel one partner order of a test order and note the outcome on its record."""
    partner = proof.partner
    accepted = {order["partner_order_id"] for order in proof.detail["orders"]} - {None}
    if partner_order_id not in accepted:
        raise ValidationError("That partner order is not part of this test order.")
    adapter = adapter_for(partner)
    if not adapter.supports(Operation.CANCEL_ORDER):
        raise ValidationError(f"{partner} has no cancel order operation.")
    data = partner_order_input(partner_order_id)
    trace = _traced(
        adapter,
        Operation.CANCEL_ORDER,
        data,
        lambda: adapter.cancel_order(partner_order_id),
    )
    with transaction.atomic():
        locked = PartnerProof.objects.select_for_update().get(pk=proof.pk)
        locked.detail["cancellations"].append(
            {
                "partner_order_id": partner_order_id,
                "status": getattr(trace.result, "status", None),
                "error": "; ".join(trace.errors)[:300],
                "by": getattr(by, "username", ""),
            }
        )
        locked.save(update_fields=["detail"])
    proof.detail = locked.detail
    return trace
