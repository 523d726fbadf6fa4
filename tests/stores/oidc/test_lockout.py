"""Login throttling counts password logins only: failed sign-ins through the identity provider
carry no username, and counting them by address alone would lock a whole store out of the
provider's sign-in (every tablet of a store shares one address)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt

from tests.conftest import oidc_settings
from tests.stores.oidc.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 2


@pytest.fixture
def break_glass(settings, oidc_on):
    """OIDC on with the password login back on, so both kinds of login are offered."""
    oidc_settings(settings, oidc_on, break_glass=True)
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    return oidc_on


def test_failed_provider_sign_ins_lock_nobody_out(
    break_glass, provider_user, browser_client, live_server, store
):
    provider_user()
    break_glass.misbehaviour.audience = "another-app-client"
    refused = [sign_in(browser_client, live_server).status_code for _ in range(LIMIT + 2)]
    break_glass.misbehaviour.audience = None

    signed_in = sign_in(browser_client, live_server)

    assert refused == [403] * (LIMIT + 2)
    assert (signed_in.status_code, signed_in.url) == (200, f"{live_server.url}/")
    assert not AccessAttempt.objects.exists()


def test_wrong_passwords_still_lock_the_password_login(break_glass, client, user_in_role):
    user = user_in_role(None, username="asha")
    for _ in range(LIMIT):
        client.post("/accounts/login/", {"username": "asha", "password": "wrong"})

    response = client.post("/accounts/login/", {"username": "asha", "password": "test-password"})

    assert response.status_code == 429
    assert AccessAttempt.objects.get().username == user.username
