"""The whole sign-in against the loopback provider, with an HTTP client following redirects."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model

from stores.models import StaffIdentity, StaffMembership
from stores.roles import Role
from tests.factories import UserFactory
from tests.stores.oidc.conftest import page_text, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def memberships(user) -> list[tuple[str, bool]]:
    return list(
        StaffMembership.objects.filter(user=user)
        .order_by("store__code")
        .values_list("store__code", "is_primary")
    )


def role_names(user) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True))


def test_a_manager_signs_in_and_lands_on_their_home_acting_for_their_primary_store(
    oidc_on, provider_user, browser_client, live_server, store, other_store
):
    # Given a manager in the provider's pool, in the store-manager group, DUB-01 first
    person = provider_user("marek", groups=["store-manager"], store_codes="DUB-01,LDN-01")

    # When they sign in through the provider
    response = sign_in(browser_client, live_server)

    # Then they land on the manager's home page, acting for DUB-01, created from the token
    assert response.status_code == 200
    assert response.url == f"{live_server.url}/"
    assert [r.status_code for r in response.history] == [302, 302, 302]
    assert "Team at Dublin Grafton Street" in page_text(response)
    identity = StaffIdentity.objects.select_related("user").get()
    user = identity.user
    assert (identity.issuer, identity.subject) == (oidc_on.issuer, person.sub)
    assert (user.username, user.first_name, user.last_name, user.email) == (
        person.sub,
        "Marek",
        "Patel",
        "marek@staff.example",
    )
    assert role_names(user) == [Role.MANAGER.value]
    assert memberships(user) == [("DUB-01", True), ("LDN-01", False)]
    assert not user.has_usable_password()
    assert user.is_staff is False


def test_the_flow_uses_pkce_a_nonce_and_basic_client_authentication(
    oidc_on, provider_user, browser_client, live_server, store
):
    provider_user()

    response = sign_in(browser_client, live_server)

    assert response.status_code == 200
    authorize = next(line for line in oidc_on.requests if line.startswith("GET /oauth2/authorize"))
    query = parse_qs(urlsplit(authorize.split(" ", 1)[1]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert len(query["nonce"][0]) == 32
    assert query["scope"] == ["openid email profile"]
    assert oidc_on.requests_to("/oauth2/token") == 1
    assert oidc_on.requests_to("/oauth2/userInfo") == 0


def test_the_next_login_follows_the_provider_groups_and_stores(
    oidc_on, provider_user, browser_client, live_server, store, other_store
):
    # Given a merchandiser and associate who signed in once
    person = provider_user(groups=["merchandiser", "store-associate"], store_codes="LDN-01,DUB-01")
    sign_in(browser_client, live_server)
    user = get_user_model().objects.get(username=person.sub)
    assert role_names(user) == [Role.MERCHANDISER.value, Role.ASSOCIATE.value]
    assert user.is_staff is True

    # When the merchandiser group is removed and the stores change in the provider
    person.groups = ["store-associate"]
    person.store_codes = "DUB-01"
    person.given_name = "Asha-Rose"
    browser_client.post(
        f"{live_server.url}/accounts/logout/",
        headers={"X-CSRFToken": browser_client.cookies["csrftoken"], "Referer": live_server.url},
    )
    oidc_on.signed_in_user = person.username
    response = sign_in(browser_client, live_server)

    # Then the same user has exactly what the provider says now
    assert response.status_code == 200
    assert get_user_model().objects.count() == 1
    user.refresh_from_db()
    assert role_names(user) == [Role.ASSOCIATE.value]
    assert user.is_staff is False
    assert memberships(user) == [("DUB-01", True)]
    assert user.first_name == "Asha-Rose"
    assert "Dublin Grafton Street" in page_text(response)


def test_users_are_matched_by_subject_never_by_email(
    oidc_on, provider_user, browser_client, live_server, roles, store
):
    # Given a local account with the same e-mail address as the provider's user
    local = UserFactory(username="asha-local", email="asha@staff.example")

    # When the provider's user signs in
    person = provider_user()
    sign_in(browser_client, live_server)

    # Then a new account is made for the provider's user; the local one is untouched
    identity = StaffIdentity.objects.get()
    assert identity.user.username == person.sub
    assert identity.user != local
    local.refresh_from_db()
    assert list(local.groups.all()) == []
    assert local.store_memberships.count() == 0


def test_next_is_kept_through_the_provider(
    oidc_on, provider_user, browser_client, live_server, store
):
    provider_user(groups=["merchandiser"], store_codes="")

    response = sign_in(browser_client, live_server, next_url="/admin/")

    assert response.url == f"{live_server.url}/admin/"
    assert "Stores, staff and partners" in page_text(response)


def test_logging_out_ends_the_session_here_and_at_the_provider(
    oidc_on, provider_user, browser_client, live_server, store
):
    provider_user()
    sign_in(browser_client, live_server)

    response = browser_client.post(
        f"{live_server.url}/accounts/logout/",
        headers={"X-CSRFToken": browser_client.cookies["csrftoken"], "Referer": live_server.url},
    )

    assert response.url == f"{live_server.url}/accounts/login/"
    logout = next(line for line in oidc_on.requests if line.startswith("GET /logout"))
    assert parse_qs(urlsplit(logout.split(" ", 1)[1]).query) == {
        "client_id": ["endless-aisle-tests"],
        "logout_uri": [f"{live_server.url}/accounts/login/"],
    }
    assert oidc_on.signed_in_user is None
    home = browser_client.get(f"{live_server.url}/", allow_redirects=False)
    assert home.status_code == 302


def test_switching_an_account_off_ends_its_session_at_once(
    oidc_on, provider_user, browser_client, live_server, store
):
    person = provider_user()
    sign_in(browser_client, live_server)

    get_user_model().objects.filter(username=person.sub).update(is_active=False)
    home = browser_client.get(f"{live_server.url}/", allow_redirects=False)

    assert home.status_code == 302
    assert home.headers["Location"] == "/accounts/login/?next=/"
