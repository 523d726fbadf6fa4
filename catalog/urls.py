from django.urls import include, path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("partners/", views.partners, name="partners"),
    path("cart/", include("catalog.cart_urls")),
]
