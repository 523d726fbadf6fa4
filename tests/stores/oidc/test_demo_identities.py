"""`make demo-oidc`: every demo user signs in through the demo's provider and lands on the home
page of their role, acting for their store."""

import re
from html import unescape

import pytest

from stores.demo import DEMO_USERS, demo_stores_and_staff_seed
from stores.sandbox.demo_identities import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    demo_oidc_provider_start,
)
from tests.conftest import oidc_settings
from tests.stores.oidc.conftest import page_text

pytestmark = pytest.mark.django_db(transaction=True)

HOME_TEXT = {
    "associate": "You are signed in as a Store associate",
    "manager": "Team at London Oxford Street",
    "merchandiser": "Stores selling through Endless Aisle",
    "kiosk": "Welcome to London Oxford Street",
}


@pytest.fixture
def demo_provider(live_server, settings, roles):
    demo_stores_and_staff_seed(password="demo-password")
    provider = demo_oidc_provider_start(
        app_urls=[live_server.url], password="demo-password", port=0
    )
    oidc_settings(settings, provider)
    settings.OIDC_RP_CLIENT_ID = DEMO_CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = DEMO_CLIENT_SECRET
    yield provider
    provider.stop()


@pytest.mark.parametrize("username", sorted(DEMO_USERS))
def test_each_demo_user_signs_in_through_the_demo_provider(
    demo_provider, live_server, browser_client, username
):
    # Given the provider's sign-in form, reached from our sign-in button
    form = browser_client.get(f"{live_server.url}/oidc/authenticate/")
    hidden = {
        name: unescape(value)
        for name, value in re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.text
        )
    }

    # When the demo user signs in there with the demo password
    home = browser_client.post(
        f"{demo_provider.base_url}/oauth2/authorize",
        data={**hidden, "username": username, "password": "demo-password"},
    )

    # Then they are on their role's home page
    assert form.url.startswith(f"{demo_provider.base_url}/oauth2/authorize?")
    assert home.url == f"{live_server.url}/"
    assert HOME_TEXT[username] in page_text(home)
