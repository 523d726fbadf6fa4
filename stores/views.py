from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import BACKEND_SESSION_KEY, REDIRECT_FIELD_NAME
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from stores.access import user_home_role
from stores.middleware import ACTING_STORE_SESSION_KEY
from stores.models import Store
from stores.oidc.views import OIDC_BACKEND, provider_logout_url
from stores.roles import Role
from stores.selectors import store_team

HOME_TEMPLATES = {
    Role.MANAGER: "home/manager.html",
    Role.ASSOCIATE: "home/associate.html",
    Role.MERCHANDISER: "home/merchandiser.html",
    Role.KIOSK: "home/kiosk.html",
}


@login_required
def home(request):
    role = user_home_role(request.user)
    context = {"role": role}
    if role == Role.MANAGER and request.store is not None:
        context["team"] = store_team(request.store)
    if role == Role.MERCHANDISER:
        context["stores"] = Store.objects.filter(is_active=True)
    return render(request, HOME_TEMPLATES.get(role, "home/no_role.html"), context)


@login_required
@require_POST
def store_switch(request):
    """Act for another of the user's stores for the rest of the session."""
    code = request.POST.get("store", "")
    if any(membership.store.code == code for membership in request.store_memberships):
        request.session[ACTING_STORE_SESSION_KEY] = code
    else:
        messages.error(request, "You do not work at that store.")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "home"
    return redirect(next_url)


class StaffLoginView(auth_views.LoginView):
    """The sign-in page: the provider's button when OIDC is on, the password form when password
    login is allowed (OIDC off, or the break-glass switch on)."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "oidc_enabled": settings.OIDC_ENABLED,
            "password_login_enabled": settings.PASSWORD_LOGIN_ENABLED,
        }

    def post(self, request, *args, **kwargs):
        if not settings.PASSWORD_LOGIN_ENABLED:
            raise PermissionDenied("Password sign-in is off. Use the sign-in button instead.")
        return super().post(request, *args, **kwargs)


class StaffLogoutView(auth_views.LogoutView):
    """Ends the session; one that began at the provider also ends there (Cognito's /logout)."""

    def post(self, request, *args, **kwargs):
        via_provider = (
            settings.OIDC_ENABLED and request.session.get(BACKEND_SESSION_KEY) == OIDC_BACKEND
        )
        provider_url = provider_logout_url(request) if via_provider else None
        response = super().post(request, *args, **kwargs)
        return HttpResponseRedirect(provider_url) if provider_url else response


def admin_login(request):
    """With OIDC on, the admin's own password form cannot sign anyone in: send visitors to the
    sign-in page, which offers the provider (and the password form when break-glass is on)."""
    if settings.OIDC_ENABLED and not request.user.is_authenticated:
        return redirect_to_login(
            request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index"), reverse("login")
        )
    return admin.site.login(request)
