"""With OIDC on, the password login is off unless the break-glass switch is on."""

import pytest
from django.contrib.auth import SESSION_KEY, authenticate
from django.test import RequestFactory

from stores.roles import Role
from tests.conftest import oidc_settings

pytestmark = pytest.mark.django_db

PASSWORD_FORM = 'name="password"'
SIGN_IN_BUTTON = 'data-testid="oidc-sign-in"'


def test_with_oidc_on_the_login_page_offers_only_the_provider(client, settings, oidc_provider):
    oidc_settings(settings, oidc_provider)

    html = client.get("/accounts/login/?next=/admin/").content.decode()

    assert (
        '<a class="button-primary" href="/oidc/authenticate/?next=/admin/" '
        'data-testid="oidc-sign-in">Sign in with your company account</a>' in html
    )
    assert PASSWORD_FORM not in html


def test_with_oidc_on_a_password_sign_in_is_refused(client, settings, oidc_provider, user_in_role):
    # Given a local account with a password, and OIDC on without break-glass
    user_in_role(Role.MERCHANDISER, username="mei")
    oidc_settings(settings, oidc_provider)

    response = client.post("/accounts/login/", {"username": "mei", "password": "test-password"})

    assert response.status_code == 403
    assert "Password sign-in is off. Use the sign-in button instead." in response.content.decode()
    assert SESSION_KEY not in client.session
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="mei", password="test-password") is None


def test_with_oidc_on_the_admin_login_sends_visitors_to_the_sign_in_page(
    client, settings, oidc_provider
):
    oidc_settings(settings, oidc_provider)

    response = client.get("/admin/login/?next=/admin/partners/partner/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/partners/partner/"


def test_with_oidc_off_the_admin_keeps_its_own_login(client):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 200
    assert PASSWORD_FORM in response.content.decode()


def test_break_glass_turns_the_password_login_back_on(
    client, settings, oidc_provider, user_in_role
):
    # Given OIDC on with BREAK_GLASS_LOGIN=true
    user_in_role(Role.MERCHANDISER, username="mei")
    oidc_settings(settings, oidc_provider, break_glass=True)

    html = client.get("/accounts/login/").content.decode()
    login = client.post("/accounts/login/", {"username": "mei", "password": "test-password"})
    logout = client.post("/accounts/logout/")

    # Then both ways are offered, the password works, and its logout stays here
    assert SIGN_IN_BUTTON in html and PASSWORD_FORM in html
    assert "Break-glass password sign-in is on" in html
    assert login.status_code == 302 and login["Location"] == "/"
    assert logout.status_code == 302 and logout["Location"] == "/accounts/login/"
    assert oidc_provider.requests == []


def test_with_oidc_off_there_is_no_provider_button_and_no_oidc_pages(client):
    html = client.get("/accounts/login/").content.decode()

    assert SIGN_IN_BUTTON not in html and PASSWORD_FORM in html
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404
