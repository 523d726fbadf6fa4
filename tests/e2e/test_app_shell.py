"""The app shell in Chromium: log in, see the store, switch store, fit a tablet and a phone."""

import pytest
from playwright.sync_api import expect

from stores.roles import Role
from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("test-password")
    page.get_by_role("button", name="Log in").click()


def overflows_horizontally(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def test_an_associate_logs_in_on_a_tablet_and_sees_their_store(tablet, live_server, user_in_role):
    user_in_role(Role.ASSOCIATE, username="asha")
    tablet.goto("/")
    screenshot(tablet, "login-tablet")

    log_in(tablet, "asha")

    expect(tablet.get_by_test_id("store-name")).to_have_text("London Oxford Street")
    assert tablet.get_by_role("heading", level=1).inner_text() == "Hello, Sam"
    nav = tablet.get_by_role("navigation", name="Sections")
    assert nav.inner_text().split() == ["Home", "Scan", "Search", "Cart", "(0)", "Orders"]
    assert not overflows_horizontally(tablet)
    screenshot(tablet, "home-associate-tablet")

    tablet.get_by_role("button", name="Log out").click()
    expect(tablet).to_have_url(f"{live_server.url}/accounts/login/")


def test_a_manager_switches_store_on_a_phone(tablet, user_in_role, store, other_store):
    user_in_role(Role.MANAGER, username="marek", stores=[store, other_store])
    user_in_role(Role.ASSOCIATE, username="asha")
    tablet.set_viewport_size(PHONE)
    log_in(tablet, "marek")

    expect(tablet.get_by_test_id("team")).to_contain_text("Store associate")
    tablet.get_by_test_id("store-switch").select_option("DUB-01")
    tablet.get_by_role("button", name="Switch").click()

    expect(tablet.get_by_role("heading", name="Team at Dublin Grafton Street")).to_be_visible()
    assert tablet.get_by_test_id("store-switch").input_value() == "DUB-01"
    assert not overflows_horizontally(tablet)
    screenshot(tablet, "home-manager-phone")


def test_a_merchandiser_reaches_the_admin_from_home(tablet, user_in_role, store):
    user_in_role(Role.MERCHANDISER, username="mei", stores=[])
    log_in(tablet, "mei")
    screenshot(tablet, "home-merchandiser-tablet")

    tablet.get_by_role("navigation", name="Sections").get_by_role("link", name="Admin").click()

    expect(tablet.get_by_role("link", name="Stores", exact=True)).to_be_visible()
