"""Login throttling: after LOGIN_FAILURE_LIMIT wrong passwords for one username from one address,
that pair is refused, right password or not, with a message on the app's and the admin's login
page, until the cool-off passes or someone allowed to unlocks it in the admin."""

from datetime import timedelta
from html import unescape

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.utils import timezone

from stores.login_lockout import login_client_ip
from stores.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIMIT = 3
APP_LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
PASSWORD = "test-password"  # tests.factories.UserFactory's
LOCKED = (
    "Too many failed logins: this username is locked from here for 15 minutes after the last "
    "try; wait, or ask an administrator to unlock it."
)
WRONG = "Please enter a correct username and password"
STORE_ADDRESS = "192.0.2.10"


@pytest.fixture(autouse=True)
def lockout_settings(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


@pytest.fixture
def asha(user_in_role):
    return user_in_role(Role.ASSOCIATE, username="asha")


def log_in(
    client, username: str, password: str, *, url=APP_LOGIN, address=STORE_ADDRESS, **headers
):
    return client.post(
        url, {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def text_of(response) -> str:
    return unescape(response.content.decode())


def fail(client, username: str, times: int, **where) -> list[int]:
    return [log_in(client, username, "wrong", **where).status_code for _ in range(times)]


def test_the_attempt_after_the_limit_is_refused_even_with_the_right_password(client, asha):
    failures = fail(client, "asha", LIMIT - 1)
    reaching = log_in(client, "asha", "wrong")

    refused = log_in(client, "asha", PASSWORD)

    assert failures == [200] * (LIMIT - 1)
    assert reaching.status_code == 429
    assert (refused.status_code, refused.templates[0].name) == (429, "registration/login.html")
    assert refused.context["form"].non_field_errors() == [LOCKED]
    assert LOCKED in text_of(refused) and WRONG not in text_of(refused)
    assert SESSION_KEY not in client.session
    asha.refresh_from_db()
    assert asha.last_login is None


def test_the_admin_login_locks_out_too_with_the_message(client, user_in_role):
    user_in_role(Role.MERCHANDISER, username="mia", stores=[])
    fail(client, "mia", LIMIT, url=ADMIN_LOGIN)

    refused = log_in(client, "mia", PASSWORD, url=ADMIN_LOGIN)

    assert (refused.status_code, refused.templates[0].name) == (429, "admin/login.html")
    assert LOCKED in text_of(refused)
    assert SESSION_KEY not in client.session


def test_the_lock_holds_only_for_that_username_from_that_address(client, asha, user_in_role):
    user_in_role(Role.ASSOCIATE, username="ben")
    fail(client, "asha", LIMIT)

    other_user_same_address = log_in(client, "ben", PASSWORD)
    client.logout()
    same_user_other_address = log_in(client, "asha", PASSWORD, address="198.51.100.7")
    client.logout()
    still_locked = log_in(client, "asha", PASSWORD)

    assert (other_user_same_address.status_code, other_user_same_address["Location"]) == (302, "/")
    assert (same_user_other_address.status_code, same_user_other_address["Location"]) == (302, "/")
    assert still_locked.status_code == 429


def test_a_success_before_the_limit_starts_the_count_again(client, asha):
    fail(client, "asha", LIMIT - 1)
    success = log_in(client, "asha", PASSWORD)
    client.logout()

    again = fail(client, "asha", LIMIT - 1)
    success_again = log_in(client, "asha", PASSWORD)

    assert success.status_code == 302
    assert again == [200] * (LIMIT - 1)
    assert (success_again.status_code, success_again["Location"]) == (302, "/")


def test_after_the_cool_off_the_right_password_works_again(client, asha):
    fail(client, "asha", LIMIT)
    # The cool-off counts from the last failure: move it back rather than wait.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    response = log_in(client, "asha", PASSWORD)

    assert (response.status_code, response["Location"]) == (302, "/")
    assert AccessAttempt.objects.count() == 0


def test_without_a_cool_off_the_message_says_to_ask_for_an_unlock(client, asha, settings):
    settings.AXES_COOLOFF_TIME = None
    fail(client, "asha", LIMIT)

    refused = log_in(client, "asha", PASSWORD)

    assert refused.context["form"].non_field_errors() == [
        "Too many failed logins: this username is locked from here; ask an administrator to "
        "unlock it."
    ]


def grant_unlock(user) -> None:
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="axes",
            codename__in=["view_accessattempt", "delete_accessattempt"],
        )
    )


@pytest.mark.parametrize("unlocker", ["superuser", "merchandiser with permission"])
def test_someone_allowed_unlocks_in_the_admin_and_the_user_logs_in_again(
    client, asha, user_in_role, unlocker
):
    fail(client, "asha", LIMIT)
    attempt = AccessAttempt.objects.get(username="asha")
    if unlocker == "superuser":
        admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    else:
        admin = user_in_role(Role.MERCHANDISER, username="mia", stores=[])
        grant_unlock(admin)
    client.force_login(admin)

    listed = client.get("/admin/axes/accessattempt/?locked_out=yes")
    unlocked = client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    client.logout()
    response = log_in(client, "asha", PASSWORD)

    assert listed.status_code == 200 and "asha" in text_of(listed)
    assert unlocked.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert (response.status_code, response["Location"]) == (302, "/")


def test_a_merchandiser_without_the_permission_cannot_unlock(client, asha, user_in_role):
    fail(client, "asha", LIMIT)
    attempt = AccessAttempt.objects.get(username="asha")
    client.force_login(user_in_role(Role.MERCHANDISER, username="mia", stores=[]))

    response = client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
    client.logout()
    assert log_in(client, "asha", PASSWORD).status_code == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "address"),
    [
        (0, "203.0.113.5", "10.0.0.2"),  # no proxy: the header is the client's word
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "198.51.100.1, 203.0.113.5", "203.0.113.5"),  # the left entry was sent by the client
        (2, "198.51.100.1, 203.0.113.5, 10.0.0.3", "203.0.113.5"),
        (1, "", "10.0.0.2"),  # reached without the load balancer
        (1, "not-an-address", "10.0.0.2"),
    ],
)
def test_the_client_address_is_the_one_the_trusted_proxy_saw(
    settings, proxies, forwarded_for, address
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().post(
        APP_LOGIN, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for
    )

    assert login_client_ip(request) == address


def test_behind_the_load_balancer_attempts_count_per_client_address(client, asha, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    balancer = "10.0.0.2"
    fail(client, "asha", LIMIT, address=balancer, HTTP_X_FORWARDED_FOR="203.0.113.5")

    spoofed = log_in(
        client, "asha", PASSWORD, address=balancer, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.5"
    )
    elsewhere = log_in(
        client, "asha", PASSWORD, address=balancer, HTTP_X_FORWARDED_FOR="198.51.100.9"
    )

    assert spoofed.status_code == 429
    assert (elsewhere.status_code, elsewhere["Location"]) == (302, "/")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.5"]
