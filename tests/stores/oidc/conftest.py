"""A real OpenID Connect provider on loopback, and our app pointed at it.

The provider (stores/sandbox/oidc_provider.py) is an HTTP server on a free port with discovery,
a key set, authorize, token, userinfo and logout endpoints; the app reaches it over HTTP exactly
as it reaches Cognito. A browser-like HTTP client (requests, following redirects) walks the flow
between the live server and the provider.
"""

import re
from html import unescape

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.cache import cache

from stores.models import StaffIdentity, StaffMembership
from stores.sandbox.oidc_provider import OidcProvider, ProviderClient, ProviderUser

CLIENT_ID = "endless-aisle-tests"
CLIENT_SECRET = "tests-client-secret"
OIDC_BACKEND = "stores.oidc.backend.StaffOidcBackend"
PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"


def oidc_settings(settings, provider: OidcProvider, *, break_glass: bool = False) -> None:
    """What the OIDC_* variables produce in settings/base.py, pointed at `provider`."""
    settings.OIDC_ISSUER_URL = provider.issuer
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_HOSTED_UI_URL = provider.base_url
    settings.BREAK_GLASS_LOGIN = break_glass
    settings.PASSWORD_LOGIN_ENABLED = break_glass
    settings.AUTHENTICATION_BACKENDS = [OIDC_BACKEND, *([PASSWORD_BACKEND] if break_glass else [])]
    # Discovery and keys are cached by address; a new provider has a new one, but start clean.
    cache.clear()


@pytest.fixture
def oidc_on(settings, oidc_provider, live_server, roles):
    """OIDC on (password login off), our app registered as a client of the provider."""
    oidc_provider.add_client(
        ProviderClient(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            redirect_uris=[f"{live_server.url}/oidc/callback/"],
            logout_uris=[f"{live_server.url}/accounts/login/"],
        )
    )
    oidc_settings(settings, oidc_provider)
    return oidc_provider


@pytest.fixture
def provider_user(oidc_provider):
    """Add a user to the provider's pool and sign them in at its hosted UI."""

    def make(
        username: str = "asha",
        *,
        groups: list[str] | None = None,
        store_codes: str = "LDN-01",
        signed_in: bool = True,
    ) -> ProviderUser:
        user = oidc_provider.add_user(
            ProviderUser(
                username=username,
                password="provider-password",
                given_name=username.capitalize(),
                family_name="Patel",
                groups=["store-associate"] if groups is None else groups,
                store_codes=store_codes,
            )
        )
        if signed_in:
            oidc_provider.signed_in_user = username
        return user

    return make


@pytest.fixture
def browser_client():
    """An HTTP client that keeps cookies and follows redirects, like a browser."""
    with requests.Session() as session:
        yield session


def sign_in(browser_client, live_server, next_url: str = "") -> requests.Response:
    """Press "Sign in with your company account" and follow every redirect."""
    query = f"?next={next_url}" if next_url else ""
    return browser_client.get(f"{live_server.url}/oidc/authenticate/{query}", timeout=30)


def page_text(response) -> str:
    """The visible text of a page, whitespace collapsed, for exact assertions."""
    body = re.sub(r"(?s)<(script|style).*?</\1>", " ", response.text)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def nothing_created() -> dict:
    return {
        "users": get_user_model().objects.count(),
        "identities": StaffIdentity.objects.count(),
        "memberships": StaffMembership.objects.count(),
    }
