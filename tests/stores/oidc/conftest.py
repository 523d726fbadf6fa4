"""A browser-like HTTP client (requests, following redirects) that walks the sign-in between
the live server and the loopback provider (`oidc_on` and `provider_user` are in tests/conftest.py).
"""

import re
from html import unescape

import pytest
import requests
from django.contrib.auth import get_user_model

from stores.models import StaffIdentity, StaffMembership


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
