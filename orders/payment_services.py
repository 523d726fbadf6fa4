"""Card payments after checkout: capture what a partner accepted, void what it did not.

Gateway calls run outside any transaction; each result is recorded in a short one after. Every
call has a key derived from the partner order's idempotency key, so settling again (a task run
twice, a retry after a timeout) repeats the same call and the gateway answers it once.

Partial capture (docs/order-pipeline.md): a partner order's authorisation covers its lines,
their shipping share and tax. When some lines are rejected, the capture is the authorised
amount in proportion to the accepted lines' share of the lines' amounts, rounded once to the
currency (shipping and tax are shared by amount, as `orders.totals` shares them); the rest is
released by the gateway with the capture.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from catalog.money import money_round
from endless_aisle.celery import app
from orders.events import EventType
from orders.models import CardPayment, OrderLine, PartnerOrder
from orders.payments.gateway import Authorisation, AuthorisationStatus, PaymentError
from orders.payments.http_gateway import payment_gateway
from orders.services import order_event_append
from orders.statuses import LineStatus, PartnerOrderStatus

logger = logging.getLogger(__name__)

SETTLE_TASK = "orders.partner_order_payment_settle"

CAPTURABLE = frozenset(
    {PartnerOrderStatus.ACCEPTED, PartnerOrderStatus.SHIPPED, PartnerOrderStatus.DELIVERED}
)
RELEASABLE = frozenset(
    {PartnerOrderStatus.REJECTED, PartnerOrderStatus.FAILED, PartnerOrderStatus.CANCELLED}
)


def authorisations_void(authorisations: Iterable[Authorisation]) -> None:
    """Release authorisations checkout made before it stopped. Best effort: a hold that cannot
    be voided now lapses at its expiry; logged without amounts or card data."""
    gateway = payment_gateway()
    for authorisation in authorisations:
        if authorisation.status not in (AuthorisationStatus.APPROVED, AuthorisationStatus.REVIEW):
            continue
        try:
            gateway.void(
                authorisation_id=authorisation.authorisation_id,
                idempotency_key=f"{authorisation.authorisation_id}-checkout-void",
            )
        except PaymentError as error:
            logger.warning("void after a stopped checkout failed: %s", type(error).__name__)


def capture_amount(authorised: Decimal, lines: Iterable[OrderLine], currency: str) -> Decimal:
    """The part of `authorised` the accepted lines stand for (module docstring)."""
    lines = list(lines)
    goods = sum((line.total for line in lines), Decimal(0))
    accepted = sum((line.total for line in lines if line.status != LineStatus.REJECTED), Decimal(0))
    if not goods or accepted == goods:
        return authorised
    return money_round(authorised * accepted / goods, currency)


def partner_order_payment_settle(*, partner_order_id: int) -> CardPayment | None:
    """Capture or void the partner order's card payment as its status says; nothing while it
    is still being placed, for a till payment or when settled already. Raises PaymentError
    when the gateway could not be reached (the caller retries: the keys make it safe).

    Claim and record, as placement does: read what is due, call the gateway with no
    transaction or lock open, then record the answer under a short lock (`_recorded`), where
    a second run that reached the gateway too finds the payment settled and changes nothing."""
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError("Settle a payment after commit: a gateway call never runs in one.")
    payment = (
        CardPayment.objects.select_related("partner_order__order")
        .filter(partner_order_id=partner_order_id)
        .first()
    )
    if payment is None:
        return None
    partner_order = payment.partner_order
    gateway = payment_gateway()
    key = str(partner_order.idempotency_key)
    if owed := refund_owed(payment):
        operation = gateway.refund(
            authorisation_id=payment.authorisation_id,
            amount=owed,
            # Keyed by the total refunded after it: a repeat is the same refund, a later
            # rejection of another line a new one.
            idempotency_key=f"{key}-refund-{payment.amount_refunded + owed}",
        )
        return _refund_recorded(payment, operation.refunded_amount)
    if payment.status != CardPayment.Status.AUTHORISED:
        return None
    if partner_order.status in CAPTURABLE:
        amount = capture_amount(
            payment.amount_authorised, partner_order.lines.all(), payment.currency
        )
        if amount > 0:
            operation = gateway.capture(
                authorisation_id=payment.authorisation_id,
                amount=amount,
                idempotency_key=f"{key}-capture",
            )
            return _recorded(
                payment,
                CardPayment.Status.CAPTURED
                if operation.captured_amount == payment.amount_authorised
                else CardPayment.Status.PARTIALLY_CAPTURED,
                EventType.PAYMENT_CAPTURED,
                captured=operation.captured_amount,
            )
    if partner_order.status in RELEASABLE or partner_order.status in CAPTURABLE:
        gateway.void(authorisation_id=payment.authorisation_id, idempotency_key=f"{key}-void")
        return _recorded(payment, CardPayment.Status.VOIDED, EventType.PAYMENT_VOIDED)
    return None


def payment_settle_enqueue(*, partner_order_id: int) -> None:
    """After commit, have a worker settle the partner order's card payment (a status report
    accepted, rejected or cancelled it). Nothing is lost if the broker is down: the attention
    list offers a manager to settle what stays unsettled. Nothing for a till payment."""
    if not CardPayment.objects.filter(partner_order_id=partner_order_id).exists():
        return

    def send() -> None:
        try:
            app.send_task(SETTLE_TASK, args=[partner_order_id], retry=False)
        except Exception:
            logger.exception("queueing the settlement of partner order %s failed", partner_order_id)

    transaction.on_commit(send)


def refund_owed(payment: CardPayment) -> Decimal:
    """What a captured payment owes the customer back: all that was taken once its partner
    order is cancelled, else the share of lines the partner rejected after the capture."""
    if payment.status not in (CardPayment.Status.CAPTURED, CardPayment.Status.PARTIALLY_CAPTURED):
        return Decimal(0)
    partner_order = payment.partner_order
    keep = (
        Decimal(0)
        if partner_order.status == PartnerOrderStatus.CANCELLED
        else capture_amount(payment.amount_authorised, partner_order.lines.all(), payment.currency)
    )
    return max(payment.amount_captured - payment.amount_refunded - keep, Decimal(0))


def payment_settle_failure_record(*, partner_order_id: int, error: PaymentError) -> None:
    """The gateway refused to settle (not a reachability problem, which is retried): an event
    for the order page; the attention list keeps offering to settle it."""
    partner_order = PartnerOrder.objects.select_related("order").get(pk=partner_order_id)
    logger.warning(
        "settling the card payment of partner order %s was refused: %s",
        partner_order_id,
        type(error).__name__,
    )
    order_event_append(
        partner_order.order,
        EventType.PAYMENT_SETTLE_FAILED,
        "system",
        {"error": error.message[:300]},
        partner_order=partner_order,
    )


@transaction.atomic
def _refund_recorded(payment: CardPayment, refunded: Decimal) -> CardPayment:
    """`refunded`: the gateway's total refunded on the authorisation after this refund."""
    locked = CardPayment.objects.select_for_update().get(pk=payment.pk)
    if locked.amount_refunded >= refunded:
        return locked  # another run recorded the same gateway answer first
    amount = refunded - locked.amount_refunded
    locked.amount_refunded = refunded
    if refunded == locked.amount_captured:
        locked.status = CardPayment.Status.REFUNDED
    locked.save()
    partner_order = PartnerOrder.objects.select_related("order").get(pk=payment.partner_order_id)
    order_event_append(
        partner_order.order,
        EventType.PAYMENT_REFUNDED,
        "system",
        {"amount": amount, "currency": locked.currency, "at": timezone.now()},
        partner_order=partner_order,
    )
    return locked


@transaction.atomic
def _recorded(
    payment: CardPayment,
    status: CardPayment.Status,
    event: EventType,
    *,
    captured: Decimal = Decimal(0),
) -> CardPayment:
    locked = CardPayment.objects.select_for_update().get(pk=payment.pk)
    if locked.status != CardPayment.Status.AUTHORISED:
        return locked  # another run recorded the same gateway answer first
    locked.status = status
    locked.amount_captured = captured
    locked.expires_at = None
    locked.save()
    partner_order = PartnerOrder.objects.get(pk=payment.partner_order_id)
    order_event_append(
        partner_order.order,
        event,
        "system",
        {
            "authorised": locked.amount_authorised,
            "captured": captured,
            "released": locked.amount_authorised - captured,
            "currency": locked.currency,
            "at": timezone.now(),
        },
        partner_order=partner_order,
    )
    return locked
