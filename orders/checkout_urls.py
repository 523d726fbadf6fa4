"""Checkout's pages, included under /checkout/ (names are `checkout:…`)."""

from django.urls import path

from orders import checkout_views

app_name = "checkout"

urlpatterns = [
    path("", checkout_views.checkout, name="checkout"),
    path("done/<str:number>/", checkout_views.confirmation, name="confirmation"),
]
