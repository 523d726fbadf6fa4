"""The cart pages: thin over `catalog.cart_services` and `catalog.cart_selectors`.

Associates and managers only (`place_orders`), always at their acting store and on their own
active cart: a line or cart of another store or associate is told exactly as one gone meanwhile
(removed in another tab, resumed by a colleague, expired): "gone", back on the page it was on,
so nothing says whether it exists elsewhere, and an associate whose page went stale learns why
rather than meeting "page not found". Every change is a POST that redirects (full pages; no
script needed).
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from catalog import cart_selectors, cart_services
from catalog.cart_forms import (
    CartAddForm,
    CartLineForm,
    CartLineQuantityForm,
    CartParkForm,
    CartResumeForm,
)
from catalog.cart_services import CartNotFound, CartRefused
from partners.models import Partner
from stores.decorators import store_permission_required
from stores.roles import Perm

place_orders_required = store_permission_required(Perm.PLACE_ORDERS)


@place_orders_required
def cart(request: HttpRequest) -> HttpResponse:
    """The active cart, re-checked with its partners on every opening (through their brief
    cache; "Re-check now" asks them afresh), the changes listed at the top."""
    active = cart_selectors.cart_active_for(store=request.store, user=request.user)
    changes = []
    if active is not None:
        changes = cart_services.cart_recheck(cart=active, refresh=request.GET.get("refresh") == "1")
    return render(
        request,
        "catalog/cart.html",
        {
            "summary": cart_selectors.cart_summary(cart=active, currency=request.store.currency),
            "changes": changes,
            "park_form": CartParkForm(
                initial={"customer_name": getattr(active, "customer_name", "")}
            ),
        },
    )


@place_orders_required
@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    """Add to the active cart what the product page's button names: GTIN, partner and
    quantity. Any price in the request is ignored: the server prices the line."""
    form = CartAddForm(request.POST)
    back = _back_to(request, form.data.get("next"))
    if not form.is_valid():
        messages.error(request, _form_problem(form))
        return back
    partner = _partner_named(form.cleaned_data["partner"])
    if partner is None:
        messages.error(request, "No such partner.")
        return back
    try:
        line = cart_services.cart_line_add(
            store=request.store,
            user=request.user,
            gtin14=form.cleaned_data["gtin14"],
            partner=partner,
            quantity=form.cleaned_data["quantity"],
        )
    except CartRefused as refusal:
        messages.error(request, f"Not added: {refusal.message}")
        return back
    messages.success(
        request,
        f"Added {form.cleaned_data['quantity']} x {line.product_name} from {partner.name} "
        "to the cart.",
    )
    return back


@place_orders_required
@require_POST
def cart_line_quantity(request: HttpRequest) -> HttpResponse:
    form = CartLineQuantityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_problem(form))
        return redirect("catalog:cart")
    try:
        cart_services.cart_line_quantity_set(
            store=request.store,
            user=request.user,
            line_id=form.cleaned_data["line"],
            quantity=form.cleaned_data["quantity"],
        )
    except CartNotFound as missing:
        messages.error(request, missing.message)
    except CartRefused as refusal:
        messages.error(request, f"Quantity not changed: {refusal.message}")
    return redirect("catalog:cart")


@place_orders_required
@require_POST
def cart_line_remove(request: HttpRequest) -> HttpResponse:
    form = CartLineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_problem(form))
        return redirect("catalog:cart")
    try:
        cart_services.cart_line_remove(
            store=request.store, user=request.user, line_id=form.cleaned_data["line"]
        )
    except CartNotFound as missing:
        messages.error(request, missing.message)
        return redirect("catalog:cart")
    messages.success(request, "Removed from the cart.")
    return redirect("catalog:cart")


@place_orders_required
@require_POST
def cart_park(request: HttpRequest) -> HttpResponse:
    form = CartParkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_problem(form))
        return redirect("catalog:cart")
    try:
        parked = cart_services.cart_park(
            store=request.store,
            user=request.user,
            customer_name=form.cleaned_data["customer_name"],
        )
    except CartRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("catalog:cart")
    messages.success(request, f"Cart parked for {parked.customer_name}. A new cart is open.")
    return redirect("catalog:carts-parked")


@place_orders_required
def carts_parked(request: HttpRequest) -> HttpResponse:
    """The store's parked carts, to resume one (any associate of the store may)."""
    return render(
        request,
        "catalog/cart_parked.html",
        {"carts": list(cart_selectors.carts_parked(store=request.store))},
    )


@place_orders_required
@require_POST
def cart_resume(request: HttpRequest) -> HttpResponse:
    form = CartResumeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_problem(form))
        return redirect("catalog:carts-parked")
    try:
        resumed = cart_services.cart_resume(
            store=request.store, user=request.user, cart_id=form.cleaned_data["cart"]
        )
    except CartRefused as refusal:  # CartNotFound too: gone, in the same words for all
        messages.error(request, refusal.message)
        return redirect("catalog:carts-parked")
    messages.success(request, f"Resumed the cart of {resumed.customer_name}.")
    return redirect("catalog:cart")


def _partner_named(reference: str) -> Partner | None:
    """A partner by id or slug (the add button may send either). Only ASCII digits make an
    id: `str.isdigit` also accepts "²", which `int` refuses."""
    if reference.isascii() and reference.isdigit():
        return Partner.objects.filter(pk=int(reference)).first()
    return Partner.objects.filter(slug=reference).first()


def _back_to(request: HttpRequest, target: str | None) -> HttpResponseRedirect:
    """Back to the page the button was on (this site only), else the cart."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(reverse("catalog:cart"))


def _form_problem(form) -> str:
    """The first error of a form whose fields the page does not show one by one."""
    field, errors = next(iter(form.errors.items()))
    if field not in form.fields:
        return errors[0]
    label = form.fields[field].label or field.replace("_", " ")
    return f"{label[:1].upper()}{label[1:]}: {errors[0]}"
