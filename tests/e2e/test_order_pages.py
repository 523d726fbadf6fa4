"""The order pages in Chromium: an associate filters the store's orders (htmx swaps the results
in place and the address bar keeps the filters), opens an order, reads its timeline and
tracking, and prints the receipt; every page fits a tablet and a phone without scrolling
sideways, however long the names."""

import pytest
from playwright.sync_api import expect

from orders.statuses import OrderStatus
from stores.roles import Role
from tests.conftest import screenshot
from tests.e2e.test_partner_health_layout import PHONE, log_in, scrolls_sideways
from tests.factories import PartnerFactory
from tests.orders.pages import order_shipped_with_history, order_taken, partner_order_with_lines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 768, "height": 1024}


@pytest.fixture
def orders(store):
    threadline = PartnerFactory(name="Threadline Apparel", slug="threadline")
    hearth = PartnerFactory(
        name="Hearth-and-Home-Interiors-Furnishings-and-Kitchenware-Wholesale-Limited",
        slug="hearth",
    )
    shipped = order_shipped_with_history(store, threadline, lines=2)
    partner_order_with_lines(shipped, hearth, lines=1)
    pending = order_taken(
        store,
        customer_name="Maximiliane Katharina von Hohenberg-Schwarzenfeld",
        customer_email="maximiliane.katharina.von.hohenberg-schwarzenfeld@example.com",
    )
    partner_order_with_lines(pending, hearth)
    return shipped, pending


def fits(page) -> None:
    for viewport in (TABLET, PHONE):
        page.set_viewport_size(viewport)
        assert not scrolls_sideways(page), f"scrolls sideways at {viewport}"
    page.set_viewport_size(TABLET)


def test_an_associate_finds_an_order_reads_it_and_prints_its_receipt(tablet, user_in_role, orders):
    shipped, pending = orders
    user_in_role(Role.ASSOCIATE, username="asha")
    log_in(tablet, "asha")

    tablet.get_by_role("navigation", name="Sections").get_by_role("link", name="Orders").click()
    results = tablet.get_by_test_id("orders")
    expect(results.locator("tbody tr")).to_have_count(2)
    fits(tablet)
    screenshot(tablet, "orders-list")

    list_url = tablet.url
    tablet.evaluate("window.sameDocument = true")
    tablet.get_by_label("Status").select_option(OrderStatus.SHIPPED.value)
    tablet.get_by_role("button", name="Show orders").click()
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(tablet.get_by_test_id(f"order-{shipped.number}")).to_be_visible()
    expect(tablet).to_have_url(f"{list_url}?status=shipped&partner=&date_from=&date_to=")
    assert tablet.evaluate("window.sameDocument") is True  # htmx swapped the results in place
    fits(tablet)

    tablet.get_by_role("link", name=shipped.number).click()
    expect(tablet.get_by_test_id("order-number")).to_have_text(shipped.number)
    expect(tablet.get_by_role("link", name="PW0001")).to_have_attribute(
        "href", "https://track.parcelway.example/PW0001"
    )
    timeline = tablet.get_by_test_id("timeline")
    expect(timeline.locator("li").first).to_contain_text("Order status: shipped")
    expect(timeline).to_contain_text("Placing attempt 2")
    fits(tablet)
    screenshot(tablet, "order-page")

    tablet.get_by_role("link", name="Receipt").click()
    expect(tablet.get_by_test_id("receipt-number")).to_have_text(shipped.number)
    expect(tablet.get_by_role("button", name="Print")).to_be_visible()
    fits(tablet)
    tablet.emulate_media(media="print")
    assert not tablet.locator("header.topbar").is_visible()
    assert not tablet.get_by_role("link", name=f"← Order {shipped.number}").is_visible()

    tablet.emulate_media(media="screen")
    tablet.goto(f"/orders/lookup/?q={pending.customer_email}")
    expect(tablet.get_by_test_id("order-number")).to_have_text(pending.number)
    fits(tablet)
