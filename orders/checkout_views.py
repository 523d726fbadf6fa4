"""The checkout page and the order's confirmation: thin over `orders.checkout_services`
(docs/checkout.md).

Associates and managers of the acting store only, on their own active cart. Pay is safe to
press twice: the page's checkout token is the order's unique token, and a POST whose token
already made an order is sent to that order's confirmation. Card numbers never reach this
view (the page's script swaps them for gateway tokens); the tokens are scrubbed from error
reports all the same.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from catalog.cart_checks import CartChange
from catalog.cart_selectors import cart_active_for
from catalog.cart_services import cart_reprice
from catalog.models import Cart
from orders.checkout_forms import CustomerForm, DeliveryForm, DeliveryMethod
from orders.checkout_payment_form import PaymentForm, cards_enabled, seen_signed
from orders.checkout_selectors import CheckoutPreview, checkout_preview
from orders.checkout_services import CheckoutRefused, Customer, PricesChanged, order_checkout
from orders.models import Order
from orders.postal_codes import postal_code_label
from orders.regions import region_rule
from orders.shipping_countries import ShippingCountries
from stores.decorators import store_permission_required
from stores.models import Store
from stores.roles import Perm

place_orders_required = store_permission_required(Perm.PLACE_ORDERS)
OUT_OF_DATE = "This page is out of date: check the order and press Pay again."


@sensitive_post_parameters("payment-card_tokens")
@place_orders_required
def checkout(request: HttpRequest) -> HttpResponse:
    """GET: the order to confirm, with a fresh checkout token. POST: take the order."""
    if request.method == "POST":
        done = _order_of_token(request.store, request.POST.get("payment-checkout_token"))
        if done is not None:  # Pay pressed again, a retried POST or another tab
            return redirect("checkout:confirmation", number=done.number)
    cart = cart_active_for(store=request.store, user=request.user)
    if cart is None or not cart.lines.exists():
        messages.error(request, "The cart is empty: add an item before checking out.")
        return redirect("catalog:cart")
    customer_form, delivery_form = _customer_and_delivery_forms(request, cart)
    if request.method != "POST":
        preview = _preview(request, cart)
        payment_form = _payment_form_fresh(preview, {"method": Order.PaymentMethod.TILL})
        return _page(request, preview, customer_form, delivery_form, payment_form)
    return _checkout_posted(request, cart, customer_form, delivery_form)


@sensitive_variables("payment_form", "payment")
def _checkout_posted(
    request: HttpRequest, cart: Cart, customer_form: CustomerForm, delivery_form: DeliveryForm
) -> HttpResponse:
    payment_form = PaymentForm(
        request.POST, cards_enabled=cards_enabled(), prefix="payment", label_suffix=""
    )
    forms = (customer_form, delivery_form, payment_form)
    if not all([form.is_valid() for form in forms]):  # a list: every form shows its errors
        preview = _preview(request, cart)
        return _page(request, preview, *forms, status=400)
    seen = payment_form.seen()
    token = payment_form.cleaned_data["checkout_token"]
    try:
        if seen is None:
            raise CheckoutRefused(OUT_OF_DATE)
        payment = payment_form.payment()
        order = order_checkout(
            store=request.store,
            associate=request.user,
            cart=cart,
            customer=_customer(customer_form.cleaned_data),
            delivery=delivery_form.delivery(),
            payment=payment,
            checkout_token=token,
            seen_prices=seen,
        )
    except CheckoutRefused as refused:
        # A twin request may have made the order meanwhile (and emptied the cart).
        done = _order_of_token(request.store, str(token))
        if done is not None:
            return redirect("checkout:confirmation", number=done.number)
        # Nothing was written: a fresh token, so the next Pay (a card's new tokens under new
        # authorisation keys) is a new attempt rather than a replay of this one.
        preview = _preview(request, cart)
        fresh = _payment_form_fresh(preview, _payment_kept(payment_form.cleaned_data))
        changes = refused.changes if isinstance(refused, PricesChanged) else ()
        message = "" if changes else _refusal(refused, payment_form.cleaned_data)
        return _page(
            request,
            preview,
            customer_form,
            delivery_form,
            fresh,
            changes=changes,
            refused=message,
            status=409,
        )
    return redirect("checkout:confirmation", number=order.number)


@place_orders_required
def confirmation(request: HttpRequest, number: str) -> HttpResponse:
    order = (
        Order.objects.filter(store=request.store, number=number)
        .prefetch_related("partner_orders__lines", "partner_orders__card_payment")
        .first()
    )
    if order is None:
        raise Http404("No such order at this store.")
    return render(request, "orders/checkout_confirmation.html", {"order": order})


def _order_of_token(store: Store, token: str | None) -> Order | None:
    try:
        checkout_token = uuid.UUID(str(token))
    except ValueError:
        return None
    return Order.objects.filter(store=store, checkout_token=checkout_token).first()


def _preview(request: HttpRequest, cart: Cart) -> CheckoutPreview:
    return checkout_preview(cart=cart, store=request.store, repricing=cart_reprice(cart=cart))


def _customer_and_delivery_forms(
    request: HttpRequest, cart: Cart
) -> tuple[CustomerForm, DeliveryForm]:
    data = request.POST if request.method == "POST" else None
    store = request.store
    partners = sorted({line.partner for line in cart.lines.select_related("partner")}, key=str)
    return (
        CustomerForm(data, region=str(store.country), prefix="customer", label_suffix=""),
        DeliveryForm(
            data,
            shipping=ShippingCountries.of(partners),
            store=store,
            prefix="delivery",
            label_suffix="",
            initial={"method": DeliveryMethod.TO_CUSTOMER},
        ),
    )


def _payment_form_fresh(preview: CheckoutPreview, initial: dict[str, Any]) -> PaymentForm:
    token = uuid.uuid4()
    confirmed = seen_signed(preview.seen, token) if preview.seen else ""
    return PaymentForm(
        cards_enabled=cards_enabled(),
        prefix="payment",
        label_suffix="",
        initial={**initial, "checkout_token": token, "confirmed": confirmed},
    )


def _payment_kept(data: dict[str, Any]) -> dict[str, Any]:
    """What the associate typed, kept for the next try; never the card's tokens, which were
    spent or are bound to the refused attempt."""
    return {key: data.get(key) for key in ("method", "receipt_reference", "till_amount")}


def _customer(data: dict[str, Any]) -> Customer:
    return Customer(
        name=data["name"],
        email=data["email"],
        phone=data["phone"],
        consent_to_email=data["email_updates"],
        note=data["note"],
    )


def _refusal(refused: CheckoutRefused, data: dict[str, Any]) -> str:
    if data.get("method") == Order.PaymentMethod.CARD and data.get("card_last4"):
        return f"{data.get('card_brand') or 'Card'} ending {data['card_last4']}: {refused.message}"
    return refused.message


def _page(
    request: HttpRequest,
    preview: CheckoutPreview,
    customer_form: CustomerForm,
    delivery_form: DeliveryForm,
    payment_form: PaymentForm,
    *,
    changes: Sequence[CartChange] = (),
    refused: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "orders/checkout.html",
        {
            "preview": preview,
            "customer_form": customer_form,
            "delivery_form": delivery_form,
            "payment_form": payment_form,
            "address_labels": {
                code: {"postal_code": postal_code_label(code), "region": region_rule(code).label}
                for code in delivery_form.shipping.allowed
            },
            "changes": changes,
            "refused": refused,
            "cards_enabled": cards_enabled(),
            "tokenise_url": settings.PAYMENT_GATEWAY_URL.rstrip("/") + "/v1/tokens",
            "public_key": settings.PAYMENT_GATEWAY_PUBLIC_KEY,
        },
        status=status,
    )
