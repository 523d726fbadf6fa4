import pytest
from django.test import Client, override_settings

from stores.roles import Role


@pytest.mark.django_db
def test_unknown_page_gets_our_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "We can't find that page" in response.content.decode()


PROBES = "tests.endless_aisle.probe_urls"


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=PROBES)
@pytest.mark.parametrize(
    ("role", "stores", "reason"),
    [
        (Role.KIOSK, None, "Your role does not allow this."),
        (
            Role.ASSOCIATE,
            [],
            "Your account is not attached to a store yet. Ask your store manager.",
        ),
    ],
)
def test_a_forbidden_page_gets_our_403_with_the_reason(client, user_in_role, role, stores, reason):
    client.force_login(user_in_role(role, stores=stores))

    response = client.get("/sell/")

    assert response.status_code == 403
    assert "You can't open this page" in response.content.decode()
    assert reason in response.content.decode()


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=PROBES)
def test_a_permitted_user_acts_for_their_store(client, user_in_role):
    client.force_login(user_in_role(Role.ASSOCIATE))

    response = client.get("/sell/")

    assert response.content == b"selling for LDN-01"


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=PROBES)
def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get("/sell/")

    assert response["Location"] == "/accounts/login/?next=/sell/"


def test_a_crash_gets_our_500_page():
    client = Client(raise_request_exception=False)

    with override_settings(ROOT_URLCONF=PROBES):
        response = client.get("/crash/")

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


@pytest.mark.django_db
def test_an_expired_form_gets_a_friendly_csrf_page(user_in_role):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user_in_role(Role.MANAGER))

    response = client.post("/stores/switch/", {"store": "LDN-01"})

    assert response.status_code == 403
    assert "This page has expired" in response.content.decode()
