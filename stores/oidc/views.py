"""The two ends of a provider sign-in, and the provider's logout address.

mozilla-django-oidc's views do the protocol (state, nonce, PKCE verifier, `next`); these add
discovery, answer 404 while OIDC is off, and show every refusal as a page that says why.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from stores.oidc.backend import REFUSAL_ATTRIBUTE
from stores.oidc.provider import provider_metadata
from stores.oidc.refusals import SignInRefused

OIDC_BACKEND = "stores.oidc.backend.StaffOidcBackend"


def refusal_page(request, refusal: SignInRefused):
    return render(
        request,
        "registration/sign_in_refused.html",
        {"refusal": refusal},
        status=refusal.status,
    )


class SignInStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider's authorization endpoint."""

    def __init__(self, *args, **kwargs):
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    def get(self, request):
        if not settings.OIDC_ENABLED:
            raise Http404("Sign-in through an identity provider is not configured.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider_metadata()["authorization_endpoint"]
        except SignInRefused as refusal:
            return refusal_page(request, refusal)
        return super().get(request)


class SignInCallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back with a code (or an error)."""

    def get(self, request):
        if not settings.OIDC_ENABLED:
            raise Http404("Sign-in through an identity provider is not configured.")
        state = request.GET.get("state")
        if "error" not in request.GET and state not in request.session.get("oidc_states", {}):
            # The library answers this with a 400 error page; staff get a way forward instead.
            return refusal_page(
                request,
                SignInRefused(
                    "unknown-state",
                    "This sign-in was already used, has expired, or was started in another "
                    "browser. Start again from the sign-in page.",
                ),
            )
        return super().get(request)

    def login_failure(self):
        refusal = getattr(self.request, REFUSAL_ATTRIBUTE, None)
        if refusal is None and "error" in self.request.GET:
            refusal = SignInRefused(
                "provider-error",
                "The sign-in service did not sign you in "
                f"({self.request.GET['error'][:60]}). Start again from the sign-in page.",
            )
        elif refusal is None:
            refusal = SignInRefused(
                "incomplete", "The sign-in did not complete. Start again from the sign-in page."
            )
        return refusal_page(self.request, refusal)


def provider_logout_url(request) -> str:
    """Cognito's logout endpoint, which ends its own session and sends the browser back to our
    sign-in page (registered as a sign-out URL of the app client)."""
    query = urlencode(
        {
            "client_id": settings.OIDC_RP_CLIENT_ID,
            "logout_uri": request.build_absolute_uri(reverse("login")),
        }
    )
    return f"{settings.OIDC_HOSTED_UI_URL.rstrip('/')}/logout?{query}"
