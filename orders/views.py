"""The store's order pages: thin over `orders.selectors` and `orders.timeline`.

Staff of a store only (associates and managers: `view_store_orders`; the attention list is the
managers', `manage_store_orders`), always within their acting store: an order of another store
is "not found", exactly like one that does not exist. Pages hold customers' details, so no
browser or htmx history keeps a copy on a shared tablet (`never_cache` here, `hx-history`
in the templates). Every page is a plain GET page; htmx only swaps parts of it in place.
"""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from orders.attention import attention_item, attention_items
from orders.models import Order
from orders.page_forms import OrderFilterForm, OrderLookupForm
from orders.pickup_services import pickup_state
from orders.selectors import (
    order_of_store,
    order_partners_of_store,
    orders_lookup,
    orders_of_store,
    partner_orders_needing_attention,
)
from orders.timeline import timeline
from stores.access import user_may
from stores.decorators import store_permission_required
from stores.roles import Perm

ORDERS_PER_PAGE = 25


def _order_page(perm: Perm):
    """The decorators every order page has: the permission at a store, GET only, not cached."""

    def decorate(view):
        return store_permission_required(perm)(never_cache(require_GET(view)))

    return decorate


@_order_page(Perm.VIEW_STORE_ORDERS)
def order_list(request: HttpRequest) -> HttpResponse:
    """The acting store's orders, newest first, filtered by status, partner and days."""
    form = OrderFilterForm(request.GET, partners=order_partners_of_store(store=request.store))
    paginator = Paginator(
        orders_of_store(store=request.store, filters=form.filters()), ORDERS_PER_PAGE
    )
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "orders/order_list.html",
        {"form": form, "page": page, "filter_query": query.urlencode()},
    )


@_order_page(Perm.VIEW_STORE_ORDERS)
def order_lookup(request: HttpRequest) -> HttpResponse:
    """Find an order by its number, or a customer's orders by e-mail or phone. One match
    opens its order page."""
    form = OrderLookupForm(request.GET or None)
    found: list[Order] | None = None
    if form.is_valid():
        found = list(orders_lookup(store=request.store, query=form.cleaned_data["q"]))
        if len(found) == 1:
            return redirect("orders:order", found[0].number)
    return render(request, "orders/order_lookup.html", {"form": form, "found": found})


@_order_page(Perm.VIEW_STORE_ORDERS)
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One order: customer, delivery, lines by partner order, payment and its timeline."""
    order = _order_or_404(request, number)
    newest_first = request.GET.get("timeline") != "oldest"
    manages = user_may(request.user, Perm.MANAGE_STORE_ORDERS)
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "timeline": timeline(order.events.all(), newest_first=newest_first),
            "newest_first": newest_first,
            "pickup": pickup_state(list(order.events.all()))
            if order.delivery_method == Order.DeliveryMethod.PICKUP_AT_STORE
            else None,
            # Each partner order with, for a manager, what the attention list says of it and
            # the same actions.
            "partner_orders": [
                (partner_order, attention_item(partner_order) if manages else None)
                for partner_order in order.partner_orders.all()
            ],
        },
    )


@_order_page(Perm.VIEW_STORE_ORDERS)
def order_receipt(request: HttpRequest, number: str) -> HttpResponse:
    """The order's receipt for the customer, laid out for printing."""
    order = _order_or_404(request, number, with_events=False)
    return render(request, "orders/order_receipt.html", {"order": order})


@_order_page(Perm.MANAGE_STORE_ORDERS)
def attention(request: HttpRequest) -> HttpResponse:
    """What a manager must act on (`orders.attention`), each with its actions."""
    partner_orders = list(partner_orders_needing_attention(store=request.store))
    return render(request, "orders/attention.html", {"items": attention_items(partner_orders)})


def _order_or_404(request: HttpRequest, number: str, *, with_events: bool = True) -> Order:
    order = order_of_store(store=request.store, number=number, with_events=with_events)
    if order is None:
        raise Http404("No such order at this store.")
    return order
