"""Views that exist only in tests: one that crashes, and ones behind store permissions."""

from django.http import HttpResponse
from django.urls import include, path

from stores.decorators import store_permission_required
from stores.roles import Perm


def crash(request):
    raise RuntimeError("boom")


@store_permission_required(Perm.PLACE_ORDERS)
def sell(request):
    return HttpResponse(f"selling for {request.store.code}")


urlpatterns = [
    path("crash/", crash),
    path("sell/", sell),
    path("", include("endless_aisle.urls")),
]
