from django.urls import include, path, re_path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("partners/", views.partners, name="partners"),
    path("scan/", views.scan, name="scan"),
    re_path(r"^product/(?P<gtin14>[0-9]{14})/$", views.product, name="product"),
    path("cart/", include("catalog.cart_urls")),
]
