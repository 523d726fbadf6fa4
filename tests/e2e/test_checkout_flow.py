# ruff: noqa: F811 - pytest fixtures imported from other conftests
"""The sale in Chromium, end to end: a scanner finds the product, it goes into the cart, the
associate checks out with a sandbox test card (tokenised by the page's script straight at the
sandbox gateway), the confirmation shows the order number, and a real Celery worker places
each partner order with its sandbox partner and captures the card. The card number never
reaches our server. Both pages fit a tablet and a phone."""

import re
from datetime import date
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import expect

from orders.models import CardPayment, Order
from partners.sandbox.catalog import PartnerName
from stores.roles import Role
from tests.catalog.conftest import gtin_carried_by, patient_pages, priced  # noqa: F401 - fixtures
from tests.conftest import screenshot, wait_for
from tests.e2e.keyboard_wedge import KeyboardWedge
from tests.e2e.test_cart_flow import add_best_offer, signed_in
from tests.e2e.test_scan_search_pages import TABLET, no_sideways_scroll_on_tablet_and_phone
from tests.orders.payments.conftest import (  # noqa: F401 - fixtures
    payment_sandbox,
    payment_sandbox_running,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CARD = "4242 4242 4242 4242"
MISTYPED = "4242 4242 4242 4241"
CVC = "739"


@pytest.fixture
def gateway_for_the_shop(payment_sandbox, live_server, settings):
    """The sandbox gateway taking the card form's requests from the test server's origin."""
    settings.PAYMENT_GATEWAY_URL = payment_sandbox.base_url
    settings.PAYMENT_CARDS_ENABLED = True
    before = payment_sandbox.allowed_origins
    payment_sandbox.allowed_origins = frozenset({live_server.url})
    yield payment_sandbox
    payment_sandbox.allowed_origins = before


@pytest.fixture
def placing_worker(celery_workers, sandbox, payment_sandbox):
    """A real worker that reaches the sandbox partners and the sandbox gateway."""
    allowlist = ",".join(urlsplit(partner.base_url).netloc for partner in sandbox)
    return celery_workers(
        "--pool",
        "solo",
        env={"PARTNER_HOST_ALLOWLIST": allowlist, "PAYMENT_GATEWAY_URL": payment_sandbox.base_url},
    )


def test_scan_cart_card_checkout_confirmation_and_each_partner_holds_its_order(
    chromium, live_server, sandbox, priced, user_in_role, gateway_for_the_shop, placing_worker
):
    user_in_role(Role.ASSOCIATE, username="asha")
    scanned = gtin_carried_by(sandbox, PartnerName.THREADLINE)
    created_before = {
        name: sandbox.by_name(name).counters().orders_created for name in ("threadline", "hearth")
    }
    page = chromium.new_context(viewport=TABLET, base_url=live_server.url).new_page()
    page.set_default_timeout(20_000)
    posted_to_us: list[str] = []
    page.on(
        "request",
        lambda request: (
            posted_to_us.append(request.post_data or "")
            if request.url.startswith(live_server.url)
            else None
        ),
    )
    signed_in(page, "asha")

    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Scan").click()
    expect(page.get_by_label("Barcode, SKU or product number")).to_be_focused()
    KeyboardWedge(page).scan(scanned)
    expect(page).to_have_url(re.compile(rf"/product/{scanned.zfill(14)}/"))
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("status")).to_contain_text("Added 1 x ")
    page.get_by_role("link", name="Cart (1)").click()
    page.get_by_role("link", name="Checkout").click()
    page.get_by_label("Country").select_option("IE")  # Threadline ships to GB and IE
    expect(page.get_by_label("Eircode")).to_be_visible()
    add_best_offer(page, gtin_carried_by(sandbox, PartnerName.HEARTH))
    page.get_by_role("link", name="Cart (2)").click()
    page.get_by_role("link", name="Checkout").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")
    page.get_by_label("Customer's name").fill("Ada Lovelace")
    page.get_by_label("E-mail", exact=True).fill("ada@example.com")
    page.get_by_label("Phone", exact=True).fill("07400 123456")
    page.get_by_label("Deliver to the store for pickup").check()
    expect(page.get_by_label("Address line 1")).to_be_hidden()
    page.get_by_label("By card").check()
    expect(page.get_by_label("Till receipt reference")).to_be_hidden()
    page.get_by_label("Card number").fill(MISTYPED)
    page.get_by_label("Expiry (MM/YY)").fill(f"12/{(date.today().year + 1) % 100:02d}")
    page.get_by_label("Security code (CVC)").fill(CVC)
    no_sideways_scroll_on_tablet_and_phone(page)
    page.get_by_role("button", name=re.compile(r"^Pay £")).click()
    expect(page.locator("#card-number-error")).to_contain_text("The card number is not valid")
    expect(page.get_by_label("Card number")).to_be_focused()
    assert Order.objects.count() == 0
    page.get_by_label("Card number").fill(CARD)
    screenshot(page, "checkout")
    page.get_by_role("button", name=re.compile(r"^Pay £")).click()

    number = page.get_by_test_id("order-number")
    expect(number).to_have_text(re.compile(r"^LDN-01-\d+$"))
    order = Order.objects.get()
    assert number.inner_text() == order.number
    no_sideways_scroll_on_tablet_and_phone(page)
    partner_orders = list(order.partner_orders.order_by("pk"))
    assert [po.partner_slug for po in partner_orders] == ["threadline", "hearth"]
    wait_for(
        lambda: (
            CardPayment.objects.filter(
                partner_order__order=order, status=CardPayment.Status.CAPTURED
            ).count()
            == 2
        ),
        seconds=60,
    )
    for partner_order in partner_orders:
        partner_order.refresh_from_db()
        held = sandbox.by_name(partner_order.partner_slug).orders.get(
            partner_order.partner_reference
        )
        assert partner_order.status == "accepted"
        assert [line.quantity for line in held.lines] == [1]
        assert sandbox.by_name(partner_order.partner_slug).counters().orders_created == (
            created_before[partner_order.partner_slug] + 1
        )
    page.reload()
    expect(page.get_by_test_id("partner-orders").get_by_test_id("status")).to_have_text(
        ["Accepted", "Accepted"]
    )
    screenshot(page, "confirmation")
    values = [value for body in posted_to_us for _, value in parse_qsl(body)]
    assert values  # the forms' posts were seen
    assert not [v for v in values if CARD.replace(" ", "") in v.replace(" ", "") or v == CVC]
    page.context.close()
