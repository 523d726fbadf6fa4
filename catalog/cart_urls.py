"""The cart's pages, included in `catalog/urls.py` (names are `catalog:cart…`). Ids travel in
the POST body, so every URL here is reversed without arguments."""

from django.urls import path

from catalog import cart_views

urlpatterns = [
    path("", cart_views.cart, name="cart"),
    path("add/", cart_views.cart_add, name="cart-add"),
    path("quantity/", cart_views.cart_line_quantity, name="cart-line-quantity"),
    path("remove/", cart_views.cart_line_remove, name="cart-line-remove"),
    path("park/", cart_views.cart_park, name="cart-park"),
    path("parked/", cart_views.carts_parked, name="carts-parked"),
    path("resume/", cart_views.cart_resume, name="cart-resume"),
]
