"""What the app shell's nav shows of the catalogue on every page."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from catalog.models import Cart, CartLine
from stores.access import user_may
from stores.roles import Perm


def cart_nav(request: HttpRequest) -> dict:
    """`cart_lines`: how many lines the user's active cart at the acting store has, for
    "Cart (n)"; None for users who may not use carts (kiosks, merchandisers) or without an
    acting store. Counted only when a page shows it: one query."""
    store = getattr(request, "store", None)
    user = getattr(request, "user", None)
    if store is None or user is None or not user_may(user, Perm.PLACE_ORDERS):
        return {"cart_lines": None}
    return {
        "cart_lines": SimpleLazyObject(
            lambda: CartLine.objects.filter(
                cart__store=store, cart__associate=user, cart__status=Cart.Status.ACTIVE
            ).count()
        )
    }
