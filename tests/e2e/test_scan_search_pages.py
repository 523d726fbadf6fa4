"""The Scan, product and search pages in Chromium against the sandbox partners: a scanner (or
the camera) reaching the product page, picking a size and a colour, a failing partner beside
the others, a kiosk searching by name, and no sideways scrolling on a tablet or a phone."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from catalog.sandbox.demo_catalogue import demo_catalogue_seed
from partners.sandbox.catalog import PartnerName
from stores.roles import Role
from tests.catalog.conftest import gtin_carried_by
from tests.conftest import screenshot
from tests.e2e.fake_camera import barcode_video_write
from tests.e2e.keyboard_wedge import KeyboardWedge
from tests.e2e.test_partner_health_layout import PHONE, log_in, scrolls_sideways
from tests.partners.conftest import backoff_waits, fresh_sandbox  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALL = (PartnerName.THREADLINE, PartnerName.STRIDEWELL, PartnerName.HEARTH, PartnerName.BAYWATER)
TABLET = {"width": 768, "height": 1024}


@pytest.fixture(autouse=True)
def patient_pages(settings):
    """Pages wait for partners far longer than a loaded machine needs (see tests/catalog)."""
    settings.CATALOG_PARTNER_DEADLINE_SECONDS = 60


@pytest.fixture
def priced(onboarded, store):
    demo_catalogue_seed()
    return onboarded


@pytest.fixture
def gtin(sandbox) -> str:
    """A sandbox barcode (EAN-13) every partner carries, in several sizes and colours."""
    return gtin_carried_by(sandbox, *ALL)


def product_url(gtin: str) -> re.Pattern:
    return re.compile(rf"/product/{gtin.zfill(14)}/")


def no_sideways_scroll_on_tablet_and_phone(page) -> None:
    for viewport in (TABLET, PHONE):
        page.set_viewport_size(viewport)
        assert not scrolls_sideways(page), (page.url, viewport)
    page.set_viewport_size(TABLET)


def test_a_scanner_reaches_the_product_page_and_a_size_and_colour_are_picked(
    tablet, user_in_role, priced, gtin
):
    user_in_role(Role.ASSOCIATE, username="amira")
    log_in(tablet, "amira")
    tablet.get_by_role("navigation", name="Sections").get_by_role("link", name="Scan").click()
    expect(tablet.get_by_label("Barcode, SKU or product number")).to_be_focused()
    no_sideways_scroll_on_tablet_and_phone(tablet)
    screenshot(tablet, "scan")

    KeyboardWedge(tablet).scan(gtin)

    expect(tablet).to_have_url(product_url(gtin))
    offers = tablet.get_by_test_id("offers")
    expect(offers).to_have_attribute("data-gtin", gtin.zfill(14))
    for partner in ALL:
        expect(tablet.get_by_test_id(f"offer-{partner}")).to_be_visible()
    expect(offers.get_by_test_id("price").first).to_have_text(re.compile(r"^GBP \d+\.\d\d$"))
    # The pictures come from our own address (the image proxy), and the browser shows them.
    picture = tablet.locator(".gallery img").first
    ours = reverse("catalog:image", args=["token"]).removesuffix("token")
    expect(picture).to_have_attribute("src", re.compile("^" + re.escape(ours)))
    tablet.wait_for_function(
        "picture => picture.complete && picture.naturalWidth > 0", arg=picture.element_handle()
    )

    for picker in ("sizes", "colours"):
        options = tablet.get_by_test_id(picker).get_by_role("link")
        expect(options.first).to_contain_text(re.compile("in stock|out of stock"))
        other = tablet.get_by_test_id(picker).locator("a:not([aria-current])").first
        before = offers.get_attribute("data-gtin")
        label = other.inner_text().split()[0]
        other.click()
        expect(offers).not_to_have_attribute("data-gtin", before)
        picked = tablet.get_by_test_id(picker).locator("[aria-current='true']")
        expect(picked).to_contain_text(label)
        expect(tablet).to_have_url(re.compile(r"\?variant=\d{14}"))
        expect(offers.get_by_test_id("stock").first).to_be_visible()

    expect(tablet.get_by_test_id("similar")).to_contain_text("Suggested by")
    no_sideways_scroll_on_tablet_and_phone(tablet)
    screenshot(tablet, "product")


def test_a_failing_partner_is_not_answering_and_the_others_still_offer(
    tablet, user_in_role, priced, sandbox, gtin
):
    sandbox.hearth.faults_set("5xx", operations=["lookup_code"])
    user_in_role(Role.ASSOCIATE, username="amira")
    log_in(tablet, "amira")

    tablet.goto(f"/product/{gtin.zfill(14)}/")

    expect(tablet.get_by_test_id("not-answering")).to_contain_text(
        "Hearth & Home is not answering right now."
    )
    for partner in ("threadline", "stridewell", "baywater"):
        expect(tablet.get_by_test_id(f"offer-{partner}")).to_be_visible()
    expect(tablet.get_by_test_id("offer-hearth")).to_have_count(0)


def test_a_kiosk_searches_by_name_and_opens_a_product(tablet, user_in_role, priced):
    user_in_role(Role.KIOSK, username="kiosk")
    log_in(tablet, "kiosk")

    tablet.get_by_label("Search by name").fill("merino jumper")
    tablet.get_by_role("button", name="Search").click()

    results = tablet.get_by_test_id("result")
    expect(results.first).to_be_visible()
    expect(results.first.get_by_test_id("result-price")).to_have_text(
        re.compile(r"^from GBP \d+\.\d\d$")
    )
    expect(tablet.get_by_role("link", name=re.compile("cart|order", re.I))).to_have_count(0)
    no_sideways_scroll_on_tablet_and_phone(tablet)
    screenshot(tablet, "search")
    first = results.first.get_by_test_id("result-link")
    name = first.inner_text()

    first.click()

    expect(tablet.get_by_role("heading", level=1)).to_have_text(name)
    expect(tablet.get_by_test_id("offers")).to_be_visible()
    expect(tablet.get_by_test_id("costs")).to_have_count(0)

    tablet.get_by_role("button", name="Call an associate").click()

    expect(tablet.get_by_role("status")).to_contain_text("An associate is on the way.")


def test_the_camera_on_the_scan_page_reaches_the_product_page(
    camera_tablet, user_in_role, priced, gtin, tmp_path
):
    video = tmp_path / "shelf-label.y4m"
    code = barcode_video_write(video, "ean13", gtin[:12])
    assert code == gtin
    page = camera_tablet(video)
    user_in_role(Role.ASSOCIATE, username="amira")
    log_in(page, "amira")
    page.goto("/scan/")

    page.get_by_role("button", name="Scan with camera").click()

    expect(page).to_have_url(product_url(gtin))
    expect(page.get_by_test_id("offers")).to_have_attribute("data-gtin", gtin.zfill(14))
