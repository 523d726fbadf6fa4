from django.contrib import admin
from django.urls import include, path

from endless_aisle.health import healthz
from endless_aisle.views import demo_ca_certificate
from orders.webhook_views import partner_webhook
from stores.login_lockout import AdminLoginForm, LoginForm
from stores.views import StaffLoginView, StaffLogoutView, admin_login

admin.site.site_header = "Endless Aisle back office"
admin.site.site_title = "Endless Aisle"
admin.site.index_title = "Stores, staff and partners"
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("demo-ca.crt", demo_ca_certificate, name="demo-ca-certificate"),
    path("accounts/login/", StaffLoginView.as_view(authentication_form=LoginForm), name="login"),
    path("accounts/logout/", StaffLogoutView.as_view(), name="logout"),
    path("oidc/", include("stores.oidc.urls")),
    path("partners/<slug:slug>/webhook/", partner_webhook, name="partner-webhook"),
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("", include("stores.urls")),
    path("", include("catalog.urls")),
    path("orders/", include("orders.urls")),
    path("checkout/", include("orders.checkout_urls")),
]
