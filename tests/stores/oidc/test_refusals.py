"""Every sign-in the app must refuse, each produced by configuring the provider or our client.

Each refused sign-in shows a page saying why (403, or 502 when the provider cannot be reached),
logs nobody in, and creates nothing: no user, no identity, no store membership.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model

from stores.models import StaffIdentity
from tests.factories import UserFactory
from tests.stores.oidc.conftest import nothing_created, page_text, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

UNVERIFIED = (
    "You are not signed in The sign-in could not be verified ({detail}). Nothing was changed. "
    "Try again; if it keeps happening, tell the back-office team the time it happened."
)
NOTHING = {"users": 0, "identities": 0, "memberships": 0}


def assert_refused(response, live_server, *, reason: str, text: str, status: int = 403):
    assert response.status_code == status
    assert response.url.startswith(f"{live_server.url}/oidc/callback/?code=")
    assert f'data-reason="{reason}"' in response.text
    assert text in page_text(response)
    assert nothing_created() == NOTHING


def sign_in_started_elsewhere(live_server) -> None:
    """Another browser goes as far as the provider's redirect back, and stops there."""
    with requests.Session() as other_browser:
        start = other_browser.get(f"{live_server.url}/oidc/authenticate/", allow_redirects=False)
        authorize = other_browser.get(start.headers["Location"], allow_redirects=False)
    assert authorize.status_code == 302


def assert_not_logged_in(browser_client, live_server):
    home = browser_client.get(f"{live_server.url}/", allow_redirects=False)
    assert home.status_code == 302
    assert home.headers["Location"] == "/accounts/login/?next=/"


@pytest.mark.parametrize(
    ("misbehaviour", "reason", "detail"),
    [
        # The provider issues the ID token for another app client (another client id).
        (
            {"audience": "another-app-client"},
            "wrong-audience",
            "it was issued for another application",
        ),
        # The provider names another user pool as the token's issuer.
        (
            {"issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"},
            "wrong-issuer",
            "it was issued by another sign-in service",
        ),
        # The provider's clock is two hours behind: the one-hour token expired an hour ago.
        ({"clock_offset_seconds": -7200}, "expired", "it has expired; check the clocks"),
        # The token is altered between provider and app: the groups are changed after signing.
        (
            {"alter_claims": {"cognito:groups": ["merchandiser"]}},
            "bad-signature",
            "its signature does not match its content",
        ),
        # The provider signs with a key it does not publish (rotated out of its key set).
        (
            {"sign_with_unpublished_key": True},
            "unknown-key",
            "it was signed with a key the sign-in service does not publish",
        ),
        # The provider puts the nonce of the previous sign-in into this one's token (a replay).
        (
            {"replay_previous_nonce": True},
            "nonce-mismatch",
            "it does not belong to this sign-in (nonce)",
        ),
    ],
)
def test_a_token_that_fails_a_check_is_refused_and_creates_nothing(
    oidc_on, provider_user, browser_client, live_server, store, misbehaviour, reason, detail
):
    # Given a user, and a sign-in started in another browser (whose nonce can be replayed)
    provider_user()
    sign_in_started_elsewhere(live_server)

    # When the provider misbehaves as configured
    for name, value in misbehaviour.items():
        setattr(oidc_on.misbehaviour, name, value)
    response = sign_in(browser_client, live_server)

    # Then the sign-in is refused with a page saying why, and nothing is created
    assert_refused(response, live_server, reason=reason, text=UNVERIFIED.format(detail=detail))
    assert_not_logged_in(browser_client, live_server)


def test_a_user_in_no_mapped_group_is_refused_and_nothing_is_created(
    oidc_on, provider_user, browser_client, live_server, store
):
    # Given a user whose only groups are ones the settings map to no role
    provider_user(groups=["cleaners", "visitors"])

    response = sign_in(browser_client, live_server)

    assert_refused(
        response,
        live_server,
        reason="no-role",
        text=(
            "Your account has no Endless Aisle role. Its groups (cleaners, visitors) give none of "
            "kiosk, merchandiser, store-associate, store-manager. Ask the back-office team to add "
            "you to one of them."
        ),
    )
    assert_not_logged_in(browser_client, live_server)


def test_a_user_in_no_group_at_all_is_refused(
    oidc_on, provider_user, browser_client, live_server, store
):
    provider_user(groups=[])

    response = sign_in(browser_client, live_server)

    assert_refused(
        response,
        live_server,
        reason="no-role",
        text="Your account has no Endless Aisle role. Its groups (none) give none of",
    )


def test_an_unknown_store_code_is_refused_naming_it_and_nothing_is_created(
    oidc_on, provider_user, browser_client, live_server, store
):
    # Given a user whose store claim names LDN-01 (known) and two codes we do not have
    provider_user(store_codes="LDN-01, XYZ-99,ldn-01")

    response = sign_in(browser_client, live_server)

    assert_refused(
        response,
        live_server,
        reason="unknown-store",
        text=(
            "Your account names a store Endless Aisle does not know: XYZ-99, ldn-01. Ask the "
            "back-office team to correct the store codes on your account."
        ),
    )
    assert_not_logged_in(browser_client, live_server)


def test_a_refused_second_sign_in_changes_nothing_of_the_first(
    oidc_on, provider_user, browser_client, live_server, store, other_store
):
    # Given a user who signed in with LDN-01 and was then given an unknown store
    person = provider_user(store_codes="LDN-01,DUB-01")
    sign_in(browser_client, live_server)
    browser_client.cookies.clear()
    before = nothing_created()
    person.store_codes = "NOPE-1"
    person.groups = ["store-manager"]
    oidc_on.signed_in_user = person.username

    response = sign_in(browser_client, live_server)

    assert response.status_code == 403
    assert nothing_created() == before == {"users": 1, "identities": 1, "memberships": 2}
    user = get_user_model().objects.get(username=person.sub)
    assert list(user.groups.values_list("name", flat=True)) == ["Store associate"]


def test_a_rotated_key_is_fetched_once_and_accepted(
    oidc_on, provider_user, browser_client, live_server, store
):
    # Given a first sign-in, which cached the provider's key set
    provider_user()
    sign_in(browser_client, live_server)
    browser_client.cookies.clear()
    assert oidc_on.requests_to("/eu-west-1_EndlessAisle/.well-known/jwks.json") == 1

    # When the provider rotates to a new key (publishing it) and the user signs in again
    oidc_on.rotate_signing_key()
    oidc_on.signed_in_user = "asha"
    response = sign_in(browser_client, live_server)

    # Then the unknown kid made us fetch the key set again, once, and the sign-in succeeded
    assert response.status_code == 200
    assert response.url == f"{live_server.url}/"
    assert oidc_on.requests_to("/eu-west-1_EndlessAisle/.well-known/jwks.json") == 2


def test_the_key_set_and_discovery_are_cached_between_sign_ins(
    oidc_on, provider_user, browser_client, live_server, store
):
    provider_user()
    sign_in(browser_client, live_server)
    browser_client.cookies.clear()
    oidc_on.signed_in_user = "asha"

    sign_in(browser_client, live_server)

    assert oidc_on.requests_to("/oauth2/token") == 2
    assert oidc_on.requests_to("/eu-west-1_EndlessAisle/.well-known/jwks.json") == 1
    assert oidc_on.requests_to("/eu-west-1_EndlessAisle/.well-known/openid-configuration") == 1


def test_a_token_just_past_expiry_is_within_the_leeway(
    oidc_on, provider_user, browser_client, live_server, store, settings
):
    # Given a provider clock 30 s behind the leeway's 60 s: its token expired 30 s ago
    settings.OIDC_CLOCK_LEEWAY_SECONDS = 60
    oidc_on.token_lifetime_seconds = 60
    oidc_on.misbehaviour.clock_offset_seconds = -90
    provider_user()

    response = sign_in(browser_client, live_server)

    assert response.status_code == 200
    assert response.url == f"{live_server.url}/"


def test_a_callback_with_an_unknown_state_is_refused(
    oidc_on, provider_user, browser_client, live_server, store
):
    # Given the provider's redirect back, replayed a second time
    provider_user()
    start = browser_client.get(f"{live_server.url}/oidc/authenticate/", allow_redirects=False)
    callback = browser_client.get(start.headers["Location"], allow_redirects=False)
    first = browser_client.get(callback.headers["Location"])

    second = browser_client.get(callback.headers["Location"])

    assert first.status_code == 200 and first.url == f"{live_server.url}/"
    assert second.status_code == 403
    assert 'data-reason="unknown-state"' in second.text
    assert oidc_on.requests_to("/oauth2/token") == 1


def test_an_error_from_the_provider_is_shown(oidc_on, browser_client, live_server):
    start = browser_client.get(f"{live_server.url}/oidc/authenticate/", allow_redirects=False)
    state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]

    response = browser_client.get(
        f"{live_server.url}/oidc/callback/?error=access_denied&state={state}"
    )

    assert response.status_code == 403
    assert (
        "The sign-in service did not sign you in (access_denied). Start again from the sign-in "
        "page." in page_text(response)
    )
    assert nothing_created() == NOTHING


def test_an_unreachable_provider_gives_a_clear_page(settings, browser_client, live_server, roles):
    # Given an issuer where nothing listens (the discard port)
    settings.OIDC_ENABLED = True
    settings.OIDC_ISSUER_URL = "http://127.0.0.1:9/eu-west-1_Gone"
    settings.OIDC_TIMEOUT = 5

    response = browser_client.get(f"{live_server.url}/oidc/authenticate/")

    assert response.status_code == 502
    assert (
        "The sign-in service could not be reached (ConnectionError). Try again in a minute."
        in page_text(response)
    )


def test_a_provider_describing_another_issuer_is_refused(
    oidc_on, browser_client, live_server, settings
):
    # Given our client configured with an issuer URL the provider does not call itself
    settings.OIDC_ISSUER_URL = f"{oidc_on.issuer}/"

    response = browser_client.get(f"{live_server.url}/oidc/authenticate/")

    assert response.status_code == 403
    assert 'data-reason="provider-misconfigured"' in response.text
    assert oidc_on.requests_to("/oauth2/authorize") == 0


def test_a_switched_off_account_is_refused(
    oidc_on, provider_user, browser_client, live_server, store
):
    person = provider_user()
    sign_in(browser_client, live_server)
    browser_client.cookies.clear()
    get_user_model().objects.filter(username=person.sub).update(is_active=False)
    oidc_on.signed_in_user = person.username

    response = sign_in(browser_client, live_server)

    assert response.status_code == 403
    assert 'data-reason="inactive-user"' in response.text
    assert_not_logged_in(browser_client, live_server)


def test_a_local_account_is_never_taken_over(
    oidc_on, provider_user, browser_client, live_server, store
):
    # Given a local account whose username is the provider user's sub
    person = provider_user()
    local = UserFactory(username=person.sub)

    response = sign_in(browser_client, live_server)

    assert response.status_code == 403
    assert 'data-reason="username-taken"' in response.text
    assert StaffIdentity.objects.count() == 0
    assert list(local.groups.all()) == []
