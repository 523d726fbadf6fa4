from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from endless_aisle.health import healthz
from stores.login_lockout import AdminLoginForm, LoginForm

admin.site.site_header = "Endless Aisle back office"
admin.site.site_title = "Endless Aisle"
admin.site.index_title = "Stores, staff and partners"
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("stores.urls")),
]
