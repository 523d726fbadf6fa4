"""The store marks a pickup order's parcel received, then collected (`orders.pickup_services`):
store staff of the order's store, a POST from the order page, back to it."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from orders.models import Order
from orders.pickup_services import PickupRefused, PickupStep, order_pickup_mark
from stores.decorators import store_permission_required
from stores.roles import Perm

DONE = {
    PickupStep.RECEIVED: "{number}'s parcel is marked received: tell the customer it is here.",
    PickupStep.COLLECTED: "{number} is marked collected.",
}


@store_permission_required(Perm.VIEW_STORE_ORDERS)
@require_POST
def order_pickup_mark_view(request: HttpRequest, number: str, step: str) -> HttpResponse:
    order = Order.objects.filter(store=request.store, number__iexact=number).first()
    if order is None or step not in PickupStep.__members__.values():
        raise Http404("No such order at this store.")
    try:
        marked = order_pickup_mark(order_id=order.pk, step=PickupStep(step), actor=request.user)
    except PickupRefused as refusal:
        messages.error(request, str(refusal))
    else:
        if marked:
            messages.success(request, DONE[PickupStep(step)].format(number=order.number))
    return redirect("orders:order", order.number)
