import re

import pytest
from django.contrib.auth import SESSION_KEY

from stores.roles import Role


@pytest.mark.django_db
def test_login_then_logout(client, user_in_role):
    user = user_in_role(Role.ASSOCIATE, username="asha")

    login = client.post("/accounts/login/", {"username": "asha", "password": "test-password"})
    logout = client.post("/accounts/logout/")

    assert login.status_code == 302 and login["Location"] == "/"
    assert logout.status_code == 302 and logout["Location"] == "/accounts/login/"
    assert SESSION_KEY not in client.session
    assert user.pk


@pytest.mark.django_db
def test_a_wrong_password_shows_an_error_and_logs_nobody_in(client, user_in_role):
    user_in_role(Role.ASSOCIATE, username="asha")

    response = client.post("/accounts/login/", {"username": "asha", "password": "wrong"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_home_needs_a_login(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "template", "heading"),
    [
        (
            Role.ASSOCIATE,
            "home/associate.html",
            "You are signed in as a <strong>Store associate</strong>",
        ),
        (Role.MANAGER, "home/manager.html", "Team at London Oxford Street"),
        (Role.MERCHANDISER, "home/merchandiser.html", "Stores selling through Endless Aisle"),
        (Role.KIOSK, "home/kiosk.html", "Welcome to London Oxford Street"),
        (None, "home/no_role.html", "Your account has no role in Endless Aisle"),
    ],
)
def test_each_role_has_its_home_page(client, user_in_role, role, template, heading):
    client.force_login(user_in_role(role))

    response = client.get("/")

    assert response.status_code == 200
    assert response.templates[0].name == template
    assert heading in response.content.decode()


@pytest.mark.django_db
def test_the_shell_shows_the_store_and_the_user(client, user_in_role):
    client.force_login(user_in_role(Role.ASSOCIATE, username="asha"))

    html = client.get("/").content.decode()

    assert '<span class="store-name" data-testid="store-name">London Oxford Street</span>' in html
    assert '<span class="user-name" data-testid="user-name">Sam</span>' in html
    assert 'href="/admin/"' not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "sections"),
    [
        (Role.ASSOCIATE, ["Home", "Scan", "Search", "Cart (0)", "Orders"]),
        (Role.MANAGER, ["Home", "Scan", "Search", "Cart (0)", "Orders", "Partner health"]),
        (Role.KIOSK, ["Home", "Search"]),
        (Role.MERCHANDISER, ["Home", "Partner health", "Partners", "Admin"]),
    ],
)
def test_the_navigation_shows_only_the_sections_the_role_may_open(
    client, user_in_role, role, sections
):
    client.force_login(user_in_role(role))

    html = client.get("/").content.decode()
    nav = html[html.index('<nav class="sections"') : html.index("</nav>")]

    assert re.findall(r">([^<>]+)</a>", nav) == sections


@pytest.mark.django_db
def test_an_associate_without_a_store_is_told_so(client, user_in_role):
    client.force_login(user_in_role(Role.ASSOCIATE, stores=[]))

    html = client.get("/").content.decode()

    assert "Your account is not attached to a store" in html
    assert "store-name" not in html


@pytest.mark.django_db
def test_a_manager_sees_the_team_of_their_store_only(client, user_in_role, other_store):
    manager = user_in_role(Role.MANAGER, username="marek")
    user_in_role(Role.ASSOCIATE, username="asha")
    user_in_role(Role.ASSOCIATE, username="dara", stores=[other_store])
    client.force_login(manager)

    team = client.get("/").context["team"]

    assert sorted(m.user.username for m in team) == ["asha", "marek"]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "starts_scan"), [(Role.ASSOCIATE, True), (Role.KIOSK, False)])
def test_an_associate_s_home_page_starts_a_scan(client, user_in_role, role, starts_scan):
    client.force_login(user_in_role(role))

    html = client.get("/").content.decode()

    assert ('data-testid="start-scan"' in html) is starts_scan
