"""What the managers' attention list says about each partner order and which actions it
offers, on the list and on the order's page: the words and the choices, from the annotations
of `orders.selectors.with_attention_facts` and the partner order's status."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.utils import formats, timezone

from orders.cancel_services import CANCELLABLE
from orders.models import CardPayment, PartnerOrder
from orders.payment_services import refund_owed
from orders.selectors import AUTHORISATION_EXPIRY_WARNING, OPEN_STATUSES, UNSETTLED_STATUSES
from orders.statuses import PartnerOrderStatus

P = PartnerOrderStatus


class Action(StrEnum):
    RETRY = "retry"
    REDRIVE = "redrive"
    REVIEW = "review"
    TILL_REFUND = "till_refund"
    SETTLE = "settle"
    CUSTOMER_TOLD = "customer_told"
    CANCEL = "cancel"


@dataclass(frozen=True)
class AttentionItem:
    partner_order: PartnerOrder
    reasons: tuple[str, ...]
    actions: frozenset[Action]


def attention_items(partner_orders: list[PartnerOrder]) -> list[AttentionItem]:
    return [attention_item(partner_order) for partner_order in partner_orders]


def attention_item(partner_order: PartnerOrder) -> AttentionItem:
    reasons: list[str] = []
    actions: set[Action] = set()
    if partner_order.status == P.FAILED:
        reasons.append("Placing it failed after every attempt.")
        actions.add(Action.RETRY)
    if partner_order.status == P.NEEDS_REVIEW:
        reasons.append(
            "It may or may not have reached the partner: ask the partner, then mark it placed "
            "with their reference or send it again."
        )
        actions.add(Action.REVIEW)
    if getattr(partner_order, "last_dead_letter", 0) > getattr(partner_order, "last_redrive", 0):
        reasons.append("Its placing message kept failing and was set aside.")
        actions.add(Action.REDRIVE)
    if getattr(partner_order, "last_refund_due", 0) > getattr(partner_order, "last_refund", 0):
        reasons.append("The partner rejected items paid at the till: refund them at the till.")
        actions.add(Action.TILL_REFUND)
    elif rejection_unhandled(partner_order):
        reasons.append(
            "The partner rejected items: tell the customer (a card payment for them is released "
            "or refunded without you)."
        )
        actions.add(Action.CUSTOMER_TOLD)
    if expiry := _hold_lapsing(partner_order):
        reasons.append(
            "The card authorisation lapses on "
            f"{formats.date_format(timezone.localtime(expiry), 'j M Y, H:i')}."
        )
    if _unsettled(partner_order):
        reasons.append(
            "The card payment was not taken, released or refunded as the partner's answer says."
        )
        actions.add(Action.SETTLE)
    if cancellable(partner_order):
        actions.add(Action.CANCEL)
    return AttentionItem(partner_order, tuple(reasons), frozenset(actions))


def rejection_unhandled(partner_order: PartnerOrder) -> bool:
    """Whether the partner rejected lines since a manager last told the customer (or refunded
    them at the till), from the selector's annotations."""
    return getattr(partner_order, "last_rejection", 0) > getattr(
        partner_order, "last_rejection_handled", 0
    )


def cancellable(partner_order: PartnerOrder) -> bool:
    """Whether a manager may ask the partner to cancel it (the partner holds it, unshipped)."""
    return partner_order.status in CANCELLABLE and bool(partner_order.partner_reference)


def _card_payment(partner_order: PartnerOrder) -> CardPayment | None:
    try:
        return partner_order.card_payment
    except CardPayment.DoesNotExist:
        return None


def _unsettled(partner_order: PartnerOrder) -> bool:
    payment = _card_payment(partner_order)
    if payment is None:
        return False
    return bool(refund_owed(payment)) or (
        payment.status == CardPayment.Status.AUTHORISED
        and partner_order.status not in UNSETTLED_STATUSES
    )


def _hold_lapsing(partner_order: PartnerOrder) -> datetime | None:
    payment = _card_payment(partner_order)
    if (
        payment is None
        or payment.status != CardPayment.Status.AUTHORISED
        or payment.expires_at is None
        or partner_order.status not in OPEN_STATUSES
        or payment.expires_at >= timezone.now() + AUTHORISATION_EXPIRY_WARNING
    ):
        return None
    return payment.expires_at
