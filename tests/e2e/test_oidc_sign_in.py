"""Signing in through the loopback identity provider in Chromium, as staff will with Cognito."""

import pytest
from playwright.sync_api import expect

from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_signs_in_at_the_provider_and_out_again(
    tablet, live_server, oidc_on, provider_user, store, other_store
):
    # Given a manager in the provider's pool, not yet signed in there
    provider_user("marek", groups=["store-manager"], store_codes="LDN-01,DUB-01", signed_in=False)

    # When they open the app, press the sign-in button and sign in on the provider's page
    tablet.goto("/")
    expect(tablet.get_by_role("button", name="Log in")).to_have_count(0)
    screenshot(tablet, "login-oidc-tablet")
    tablet.get_by_test_id("oidc-sign-in").click()
    expect(tablet.get_by_role("heading", name="Sign in")).to_be_visible()
    assert tablet.url.startswith(f"{oidc_on.base_url}/oauth2/authorize?")
    tablet.get_by_label("Username").fill("marek")
    tablet.get_by_label("Password").fill("provider-password")
    tablet.get_by_role("button", name="Sign in").click()

    # Then they are on the manager's home page, acting for their primary store
    expect(tablet.get_by_role("heading", name="Team at London Oxford Street")).to_be_visible()
    expect(tablet.get_by_test_id("user-name")).to_have_text("Marek Patel")
    assert tablet.get_by_test_id("store-switch").input_value() == "LDN-01"

    # And logging out goes through the provider's logout back to the sign-in page
    tablet.get_by_role("button", name="Log out").click()
    expect(tablet).to_have_url(f"{live_server.url}/accounts/login/")
    assert oidc_on.requests_to("/logout") == 1


def test_a_refused_sign_in_shows_why_in_the_browser(
    tablet, live_server, oidc_on, provider_user, store
):
    provider_user("asha", store_codes="XYZ-99", signed_in=False)

    tablet.goto("/accounts/login/")
    tablet.get_by_test_id("oidc-sign-in").click()
    tablet.get_by_label("Username").fill("asha")
    tablet.get_by_label("Password").fill("provider-password")
    tablet.get_by_role("button", name="Sign in").click()

    refusal = tablet.get_by_test_id("sign-in-refused")
    expect(refusal).to_contain_text(
        "Your account names a store Endless Aisle does not know: XYZ-99."
    )
    screenshot(tablet, "sign-in-refused-tablet")
    tablet.get_by_role("link", name="Back to the sign-in page").click()
    expect(tablet).to_have_url(f"{live_server.url}/accounts/login/")
