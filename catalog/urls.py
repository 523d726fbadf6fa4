from django.urls import include, path, re_path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("partners/", views.partners, name="partners"),
    path("scan/", views.scan, name="scan"),
    re_path(r"^product/(?P<gtin14>[0-9]{14})/$", views.product, name="product"),
    re_path(r"^product/(?P<gtin14>[0-9]{14})/similar/$", views.similar, name="similar"),
    path("search/", views.search, name="search"),
    path("images/<str:token>", views.image, name="image"),
    path("assistance/", views.assistance_request, name="assistance-request"),
    path(
        "assistance/<int:request_id>/handled/",
        views.assistance_handled,
        name="assistance-handled",
    ),
    path("cart/", include("catalog.cart_urls")),
]
