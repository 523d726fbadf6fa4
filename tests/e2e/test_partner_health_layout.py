"""The partners page in Chromium: a manager reads it on a tablet and on a phone without
scrolling sideways, however long the partners' names and category lists are."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from partners.models import Partner, PartnerCall, PartnerCircuit
from stores.roles import Role
from tests.conftest import screenshot
from tests.factories import PartnerCallFactory, PartnerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Outcome = PartnerCall.Outcome
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def partners_with_calls():
    now = timezone.now()
    threadline = PartnerFactory(
        name="Threadline Apparel", categories=["apparel", "footwear", "accessories"], priority=10
    )
    for minutes_ago, outcome, latency_ms in [
        (50, Outcome.OK, 140),
        (30, Outcome.NOT_FOUND, 95),
        (12, Outcome.TIMEOUT, 2000),
        (3, Outcome.OK, 180),
    ]:
        PartnerCallFactory(
            partner=threadline,
            outcome=outcome,
            latency_ms=latency_ms,
            at=now - timedelta(minutes=minutes_ago),
        )
    northgate = PartnerFactory(
        name="Northgate-Outdoor-Equipment-and-Technical-Mountaineering-Supplies-Limited",
        categories=["outdoor-equipment-and-technical-mountaineering-supplies", "camping"],
        priority=20,
    )
    PartnerCallFactory(partner=northgate, outcome=Outcome.UNAVAILABLE, latency_ms=1000)
    PartnerCallFactory(partner=northgate, outcome=Outcome.CIRCUIT_OPEN, latency_ms=0)
    PartnerCircuit.objects.create(
        partner_id=northgate.pk, config_version=northgate.config_version, state="open"
    )
    PartnerFactory(name="Baywater Home", categories=["homeware"], status=Partner.Status.PAUSED)
    return threadline, northgate


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("test-password")
    page.get_by_role("button", name="Log in").click()


def scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def test_a_manager_reads_partner_health_on_a_tablet_and_a_phone(
    tablet, user_in_role, partners_with_calls
):
    threadline, northgate = partners_with_calls
    user_in_role(Role.MANAGER, username="marek")
    log_in(tablet, "marek")

    tablet.get_by_role("navigation", name="Sections").get_by_role(
        "link", name="Partner health"
    ).click()

    table = tablet.get_by_role("table", name="Live and paused partners")
    expect(table).to_be_visible()
    expect(table.get_by_role("columnheader", name="Median latency")).to_be_visible()
    threadline_row = tablet.get_by_test_id(f"partner-{threadline.pk}")
    expect(threadline_row).to_contain_text("25% (1 of 4)")
    expect(threadline_row).to_contain_text("160 ms")
    expect(tablet.get_by_test_id(f"partner-{northgate.pk}")).to_contain_text("Circuit open")
    assert not scrolls_sideways(tablet)
    screenshot(tablet, "partners")

    tablet.set_viewport_size(PHONE)

    # The header row shrinks to nothing (screen readers still have it): each cell carries its
    # column's name instead.
    assert table.locator("thead").bounding_box()["height"] <= 1
    median = threadline_row.locator("td[data-label='Median latency']")
    label = median.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert label == '"Median latency"'
    assert not scrolls_sideways(tablet)
    screenshot(tablet, "partners-phone")
