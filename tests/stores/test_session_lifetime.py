"""Sessions last a shift; a kiosk's ends when it stands idle."""

import pytest

from stores.roles import Role

pytestmark = pytest.mark.django_db


def test_a_kiosk_session_expires_after_the_idle_timeout(client, user_in_role, settings):
    settings.KIOSK_IDLE_SECONDS = 900
    client.force_login(user_in_role(Role.KIOSK))

    client.get("/")

    assert client.session.get_expiry_age() == 900


def test_a_staff_session_lasts_a_shift(client, user_in_role, settings):
    settings.SESSION_COOKIE_AGE = 12 * 60 * 60
    settings.KIOSK_IDLE_SECONDS = 900
    client.force_login(user_in_role(Role.ASSOCIATE))

    client.get("/")

    assert client.session.get_expiry_age() == 12 * 60 * 60
