"""The cart in Chromium against the sandbox partners: an associate picks a size and colour on the
product page and adds it; the cart holds it at the retailer's price across reloads and browser
sessions (it is in the database); carts are parked under a customer's name and resumed; the cart
pages fit a tablet and a phone without scrolling sideways."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from catalog.models import Cart, CartLine
from partners.sandbox.catalog import PartnerName
from stores.roles import Role
from tests.catalog.conftest import gtin_carried_by, patient_pages, priced  # noqa: F401 - fixtures
from tests.conftest import screenshot
from tests.e2e.test_partner_health_layout import PHONE, log_in, scrolls_sideways

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("priced"),
]

ALL = (PartnerName.THREADLINE, PartnerName.STRIDEWELL, PartnerName.HEARTH, PartnerName.BAYWATER)
TABLET = {"width": 768, "height": 1024}


@pytest.fixture
def associate(user_in_role):
    return user_in_role(Role.ASSOCIATE, username="asha")


def signed_in(page, username: str) -> None:
    """Log in and wait for the page that follows, so the next navigation cannot cut it short."""
    log_in(page, username)
    expect(page.get_by_test_id("user-name")).to_be_visible()


def on_one_line(locator) -> bool:
    """Whether the element's text sits on one line (no word or price broken in two)."""
    return locator.evaluate(
        """element => {
            const range = document.createRange();
            range.selectNodeContents(element);
            const tops = [...range.getClientRects()].map(rect => Math.round(rect.top));
            return new Set(tops).size === 1;
        }"""
    )


def money(text: str) -> Decimal:
    return Decimal(re.search(r"\d+\.\d\d", text)[0])


def pick_another(page, picker: str) -> str:
    """Click the first in-stock option of `picker` ("sizes" or "colours") not already picked;
    its value once the page shows it picked."""
    option = (
        page.get_by_test_id(picker)
        .locator("a.picker-option:not(.picker-option-out):not([aria-current])")
        .first
    )
    value = option.inner_text().split("\n")[0].removesuffix(" in stock").strip()
    option.click()
    expect(page.get_by_test_id(picker).locator("a[aria-current='true']")).to_contain_text(value)
    return value


def add_best_offer(page, gtin: str, quantity: int = 1) -> tuple[str, Decimal]:
    """On the product page of `gtin`: add the best offer; the variant's GTIN and its price."""
    page.goto(f"/product/{gtin.zfill(14)}/")
    offers = page.get_by_test_id("offers")
    variant = offers.get_attribute("data-gtin")
    price = money(offers.locator("li.offer-best [data-testid='price']").inner_text())
    page.get_by_label("Quantity", exact=True).fill(str(quantity))
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("status")).to_contain_text(f"Added {quantity} x ")
    return variant, price


def test_a_picked_size_and_colour_goes_into_the_cart_and_stays_there(
    chromium, live_server, sandbox, associate
):
    gtin = gtin_carried_by(sandbox, *ALL)
    context = chromium.new_context(viewport=TABLET, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    signed_in(page, "asha")
    page.goto(f"/product/{gtin.zfill(14)}/")
    expect(page.get_by_role("link", name="Cart (0)")).to_be_visible()

    size = pick_another(page, "sizes")
    colour = pick_another(page, "colours")
    offers = page.get_by_test_id("offers")
    expect(offers.get_by_role("heading", level=2)).to_contain_text(f"{colour}, {size}")
    variant = offers.get_attribute("data-gtin")
    best = offers.locator("li.offer-best")
    price = money(best.get_by_test_id("price").inner_text())
    partner = best.get_attribute("data-testid").removeprefix("offer-")
    page.get_by_label("Quantity", exact=True).fill("2")
    page.get_by_role("button", name="Add to cart").click()

    expect(page.get_by_role("status")).to_contain_text("Added 2 x ")
    assert page.get_by_test_id("offers").get_attribute("data-gtin") == variant  # same variant
    page.get_by_role("link", name="Cart (1)").click()
    line = page.get_by_test_id(f"cart-partner-{partner}").locator("tbody tr")
    expect(line).to_have_count(1)
    expect(line.get_by_role("rowheader")).to_contain_text(f"Size: {size}")
    expect(line.get_by_role("rowheader")).to_contain_text(f"Colour: {colour}")
    expect(line.locator("td[data-label='Price']")).to_have_text(f"£{price}")
    expect(line.get_by_label(re.compile("^Quantity of "))).to_have_value("2")
    expect(page.get_by_test_id("cart-total")).to_have_text(f"£{price * 2}")

    page.reload()
    expect(line.locator("td[data-label='Price']")).to_have_text(f"£{price}")
    context.close()

    again = chromium.new_context(viewport=TABLET, base_url=live_server.url).new_page()
    signed_in(again, "asha")
    again.goto("/cart/")
    line = again.get_by_test_id(f"cart-partner-{partner}").locator("tbody tr")
    expect(line.locator("td[data-label='Price']")).to_have_text(f"£{price}")
    expect(line.get_by_label(re.compile("^Quantity of "))).to_have_value("2")
    screenshot(again, "cart")
    again.context.close()
    [saved] = CartLine.objects.all()
    assert (saved.gtin14, saved.partner.slug, saved.quantity) == (variant, partner, 2)
    assert saved.unit_price == price


def test_a_cart_parked_for_a_customer_is_resumed_after_serving_another(tablet, sandbox, associate):
    first, second = (
        gtin_carried_by(sandbox, *ALL),
        gtin_carried_by(sandbox, PartnerName.THREADLINE),
    )
    signed_in(tablet, "asha")
    first_variant, _ = add_best_offer(tablet, first)
    tablet.get_by_role("link", name="Cart (1)").click()
    tablet.get_by_label("Park this cart under the customer's name").fill("Aoife Byrne")
    tablet.get_by_role("button", name="Park cart").click()

    expect(tablet.get_by_role("status")).to_contain_text("Cart parked for Aoife Byrne.")
    expect(tablet.get_by_role("link", name="Cart (0)")).to_be_visible()
    second_variant, _ = add_best_offer(tablet, second)
    tablet.get_by_role("link", name="Cart (1)").click()
    expect(tablet.locator("[data-testid^='cart-line-']")).to_have_count(1)
    tablet.get_by_label("Park this cart under the customer's name").fill("Tomás Kelly")
    tablet.get_by_role("button", name="Park cart").click()

    tablet.get_by_role("button", name="Resume the cart of Aoife Byrne").click()

    expect(tablet.get_by_role("status")).to_contain_text("Resumed the cart of Aoife Byrne.")
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Cart for Aoife Byrne")
    expect(tablet.locator("[data-testid^='cart-line-']")).to_have_count(1)
    active = Cart.objects.get(status=Cart.Status.ACTIVE)
    assert [line.gtin14 for line in active.lines.all()] == [first_variant]
    parked = Cart.objects.get(status=Cart.Status.PARKED)
    assert (parked.customer_name, [line.gtin14 for line in parked.lines.all()]) == (
        "Tomás Kelly",
        [second_variant],
    )


def test_the_cart_pages_fit_a_tablet_and_a_phone(tablet, sandbox, associate):
    signed_in(tablet, "asha")
    add_best_offer(tablet, gtin_carried_by(sandbox, PartnerName.THREADLINE), quantity=3)
    add_best_offer(tablet, gtin_carried_by(sandbox, PartnerName.HEARTH))
    tablet.goto("/cart/")
    tablet.get_by_label("Park this cart under the customer's name").fill(
        "Maximilian-Alexander Fitzgerald-Ó Súilleabháin-Wolfeschlegelsteinhausen"
    )
    tablet.get_by_role("button", name="Park cart").click()
    add_best_offer(tablet, gtin_carried_by(sandbox, *ALL))

    for viewport in (TABLET, PHONE):
        tablet.set_viewport_size(viewport)
        for path in ("/cart/", "/cart/parked/"):
            tablet.goto(path)
            expect(tablet.get_by_role("heading", level=1)).to_be_visible()
            assert not scrolls_sideways(tablet), (viewport, path)
        tablet.goto("/cart/")
        line = tablet.locator("[data-testid^='cart-line-']").first
        for cell in ("Price", "Line total"):
            assert on_one_line(line.locator(f"td[data-label='{cell}']")), (viewport, cell)
        assert on_one_line(line.get_by_role("button", name=re.compile("^Remove ")))
