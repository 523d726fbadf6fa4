"""The partner admin on a tablet in portrait (768 x 1024): the navigation sidebar starts collapsed,
and the partner list, call log, history and change page fit the width, with the tool buttons
clear of the page's title."""

import pytest
from playwright.sync_api import expect

from partners.models import Partner, PartnerCall
from tests.conftest import screenshot
from tests.e2e.admin_steps import DESKTOP, admin_log_in, merchandiser_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_PATH = "/v1/products/by-barcode/" + "0123456789" * 20
LONG_ERROR = "PartnerBadResponse: the answer is not valid JSON: " + "unexpected-token-" * 20


@pytest.fixture
def merchandiser(roles, user_in_role):
    return merchandiser_create(user_in_role)


@pytest.fixture
def threadline(onboarded) -> Partner:
    """A partner with a long history and a call log with long paths and errors."""
    partner = onboarded["threadline"]
    partner.contact_email = "integration-team-with-a-very-long-mailbox-name@threadline.example"
    partner.base_url = partner.base_url + "/" + "very-long-base-path-segment-" * 4
    partner.save()
    for status_code, outcome in [(200, "ok"), (404, "not_found"), (502, "bad_response")]:
        PartnerCall.objects.create(
            partner=partner,
            operation="lookup",
            method="GET",
            path=LONG_PATH,
            status_code=status_code,
            latency_ms=123,
            outcome=outcome,
            error=LONG_ERROR if outcome == "bad_response" else "",
            config_version=partner.config_version,
        )
    return partner


def log_in(chromium, live_server, viewport):
    context = chromium.new_context(viewport=viewport, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    admin_log_in(page)
    return context, page


@pytest.fixture
def tablet_admin(chromium, live_server, merchandiser):
    context, page = log_in(chromium, live_server, {"width": 768, "height": 1024})
    yield page
    context.close()


@pytest.fixture
def desktop_admin(chromium, live_server, merchandiser):
    context, page = log_in(chromium, live_server, DESKTOP)
    yield page
    context.close()


def sidebar_open(page) -> bool:
    return page.evaluate("document.getElementById('main').classList.contains('shifted')")


def scrolls_sideways(page) -> bool:
    """The page, or a list's table inside its own scrolling box, is wider than the screen."""
    return page.evaluate(
        """() => {
          const root = document.documentElement;
          const results = document.querySelector("#changelist .results");
          return root.scrollWidth > root.clientWidth
            || (results !== null && results.scrollWidth > results.clientWidth);
        }"""
    )


def overlaps(first: dict, second: dict) -> bool:
    return not (
        first["x"] + first["width"] <= second["x"]
        or second["x"] + second["width"] <= first["x"]
        or first["y"] + first["height"] <= second["y"]
        or second["y"] + second["height"] <= first["y"]
    )


def tool_buttons_covering_title(page) -> list[str]:
    """The tool buttons whose box overlaps the page's heading or the object's name under it."""
    titles = [
        heading.bounding_box() for heading in page.locator("#content > h1, #content > h2").all()
    ]
    return [
        button.inner_text()
        for button in page.locator(".object-tools li").all()
        if any(overlaps(button.bounding_box(), title) for title in titles)
    ]


def test_the_sidebar_starts_collapsed_and_the_partner_pages_fit_a_tablet(tablet_admin, threadline):
    page = tablet_admin
    pages = {
        "partner-list": "/admin/partners/partner/",
        "call-log": f"/admin/partners/partnercall/?partner__id__exact={threadline.pk}",
        "partner-history": f"/admin/partners/partner/{threadline.pk}/history/",
        "partner-change": f"/admin/partners/partner/{threadline.pk}/change/",
        "preview-mapping": f"/admin/partners/partner/{threadline.pk}/preview-mapping/",
    }

    for name, path in pages.items():
        page.goto(path)

        expect(page.locator("#nav-sidebar")).to_be_hidden()
        assert not sidebar_open(page), name
        assert not scrolls_sideways(page), name
        screenshot(page, f"admin-tablet-{name}")

    page.goto(pages["partner-change"])
    expect(page.locator("#content h2").first).to_have_text("Threadline")
    assert page.locator(".object-tools li").count() >= 4
    assert tool_buttons_covering_title(page) == []


def test_a_merchandiser_who_opens_the_sidebar_on_a_tablet_keeps_it_open(tablet_admin, onboarded):
    page = tablet_admin
    page.goto("/admin/partners/partner/")

    page.get_by_role("button", name="Toggle navigation").click()
    expect(page.locator("#nav-sidebar")).to_be_visible()
    page.goto("/admin/partners/partnercall/")

    expect(page.locator("#nav-sidebar")).to_be_visible()
    assert sidebar_open(page)


def test_the_sidebar_still_starts_open_on_a_desktop(desktop_admin, onboarded):
    page = desktop_admin

    page.goto("/admin/partners/partner/")

    expect(page.locator("#nav-sidebar")).to_be_visible()
    assert sidebar_open(page)
