"""Login throttling with django-axes: whose address an attempt comes from, and what a locked-out
person sees on the app's and the admin's login pages. See docs/adr/0011-login-lockout.md."""

import ipaddress

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

LOCKED_OUT_STATUS = 429


def login_client_ip(request: HttpRequest) -> str | None:
    """The address a login attempt comes from. Behind TRUSTED_PROXY_COUNT proxies it is the
    entry the outermost of them appended to X-Forwarded-For: entries further left are whatever
    the client sent. Anything that is not an address falls back to the peer's."""
    peer = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return peer
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if len(forwarded) < proxies:
        return peer
    try:
        return str(ipaddress.ip_address(forwarded[-proxies]))
    except ValueError:
        return peer


def login_not_by_password(request: HttpRequest, credentials: dict | None) -> bool:
    """Whether axes should leave this attempt alone: one without a username is a sign-in through
    the identity provider (the OIDC callback), not a password to throttle."""
    return not (credentials or {}).get("username")


def login_lockout_message() -> str:
    unlock = "ask an administrator to unlock it"
    if settings.AXES_COOLOFF_TIME is None:
        return f"Too many failed logins: this username is locked from here; {unlock}."
    minutes = round(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    return (
        f"Too many failed logins: this username is locked from here for {minutes} "
        f"minute{'s' if minutes != 1 else ''} after the last try; wait, or {unlock}."
    )


class LockoutMessageMixin:
    """Says why a login was refused when django-axes refused it, instead of "wrong password".
    Axes marks the request while `authenticate()` runs, before the form asks for its error."""

    request: HttpRequest | None

    def get_invalid_login_error(self) -> ValidationError:
        if getattr(self.request, "axes_locked_out", False):
            return ValidationError(login_lockout_message(), code="locked_out")
        return super().get_invalid_login_error()


class LoginForm(LockoutMessageMixin, AuthenticationForm):
    pass


class AdminLoginForm(LockoutMessageMixin, AdminAuthenticationForm):
    pass


def login_lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """django-axes' response to a locked-out attempt: the login page the view rendered (its
    form shows the message) as 429 Too Many Requests; anything else, the message alone."""
    if original_response is not None and original_response.status_code == 200:
        original_response.status_code = LOCKED_OUT_STATUS
        return original_response
    return HttpResponse(
        login_lockout_message(), status=LOCKED_OUT_STATUS, content_type="text/plain"
    )
