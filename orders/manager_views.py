"""Managers' actions on a partner order of their acting store, from the attention list or the
order page: each a POST that calls one service, says what happened and goes back where it came
from. Every service is idempotent, so a second press (or a double tap) changes nothing."""

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from orders.cancel_services import CancelRefused, partner_order_cancel
from orders.models import PartnerOrder
from orders.payment_services import partner_order_payment_settle
from orders.payments.gateway import PaymentError
from orders.placement_services import (
    partner_order_redrive,
    partner_order_retry,
    partner_order_review_resolve,
)
from orders.rejection_services import partner_order_rejection_handled
from orders.statuses import PartnerOrderStatus
from orders.till_services import partner_order_till_refund_record
from stores.decorators import store_permission_required
from stores.roles import Perm

PARTNER_REFERENCE_MAX_LENGTH = 120


def _manager_action(view: Callable[[HttpRequest, PartnerOrder], str]):
    """A POST by a manager of the partner order's store; `view` returns the message to show.
    A partner order of another store is not found, as if it did not exist."""

    @store_permission_required(Perm.MANAGE_STORE_ORDERS)
    @require_POST
    def action(request: HttpRequest, pk: int) -> HttpResponse:
        partner_order = (
            PartnerOrder.objects.select_related("order").filter(pk=pk, order__store=request.store)
        ).first()
        if partner_order is None:
            raise Http404("No such partner order at this store.")
        try:
            messages.success(request, view(request, partner_order))
        except (ValueError, CancelRefused) as refusal:
            messages.error(request, str(refusal))
        return redirect(_back(request))

    action.__name__ = view.__name__
    action.__doc__ = view.__doc__
    return action


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("orders:attention")


@_manager_action
def partner_order_retry_view(request: HttpRequest, partner_order: PartnerOrder) -> str:
    """Send a failed partner order again (same idempotency key)."""
    partner_order_retry(partner_order_id=partner_order.pk, actor=request.user)
    return f"{partner_order.reference} will be sent to {partner_order.partner_name} again."


@_manager_action
def partner_order_redrive_view(request: HttpRequest, partner_order: PartnerOrder) -> str:
    """Publish a dead-lettered partner order again (same idempotency key)."""
    partner_order_redrive(partner_order_id=partner_order.pk, actor=request.user)
    return f"{partner_order.reference} was queued for placing again."


@_manager_action
def partner_order_review_view(request: HttpRequest, partner_order: PartnerOrder) -> str:
    """Settle a review: the partner's reference (it holds the order), or send it again."""
    reference = request.POST.get("partner_reference", "").strip()
    if len(reference) > PARTNER_REFERENCE_MAX_LENGTH:
        raise ValueError(
            f"The partner's reference has at most {PARTNER_REFERENCE_MAX_LENGTH} characters."
        )
    resend = request.POST.get("resolution") == "resend"
    partner_order_review_resolve(
        partner_order_id=partner_order.pk,
        actor=request.user,
        partner_reference="" if resend else reference,
        resend=resend,
    )
    if resend:
        return f"{partner_order.reference} will be sent to {partner_order.partner_name} again."
    return f"{partner_order.reference} is marked as placed with {partner_order.partner_name}."


@_manager_action
def partner_order_till_refund_view(request: HttpRequest, partner_order: PartnerOrder) -> str:
    """Record that the rejected items were refunded at the till."""
    recorded = partner_order_till_refund_record(
        partner_order_id=partner_order.pk,
        actor=request.user,
        till_reference=request.POST.get("till_reference", ""),
    )
    if not recorded:
        return f"No till refund is due on {partner_order.reference}."
    return f"The till refund for {partner_order.reference} is recorded."


@_manager_action
def partner_order_customer_told_view(request: HttpRequest, partner_order: PartnerOrder) -> str:
    """Record that the customer was told of the items the partner rejected."""
    if not partner_order_rejection_handled(partner_order_id=partner_order.pk, actor=request.user):
        return f"Nothing new was rejected on {partner_order.reference}."
    return f"Recorded: the customer was told of the rejected items of {partner_order.reference}."


@_manager_action
def partner_order_cancel_view(request: HttpRequest, partner_order: PartnerOrder) -> str:
    """Ask the partner to cancel; once cancelled, the card payment is released."""
    outcome = partner_order_cancel(partner_order_id=partner_order.pk, actor=request.user)
    if not outcome.cancelled:
        raise ValueError(outcome.message or f"{partner_order.partner_name} did not cancel it.")
    if outcome.already:
        return f"{partner_order.reference} was cancelled already."
    partner_order.refresh_from_db(fields=["status"])
    if partner_order.status == PartnerOrderStatus.CANCELLED and not _settled(partner_order):
        return (
            f"{partner_order.reference} is cancelled, but releasing the card payment failed: "
            "try Settle the card payment on the attention list."
        )
    return f"{partner_order.reference} is cancelled."


@_manager_action
def partner_order_settle_view(request: HttpRequest, partner_order: PartnerOrder) -> str:
    """Capture or release the card payment as the partner order's outcome says."""
    if not _settled(partner_order):
        raise ValueError("The payment gateway could not be reached: try again in a moment.")
    return f"The card payment of {partner_order.reference} is settled."


def _settled(partner_order: PartnerOrder) -> bool:
    """Settle the card payment (nothing to do counts as settled); False when the gateway
    failed. Its keys make a repeat safe."""
    try:
        partner_order_payment_settle(partner_order_id=partner_order.pk)
    except PaymentError:
        return False
    return True
