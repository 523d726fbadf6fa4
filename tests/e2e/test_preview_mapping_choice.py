"""Preview mapping's pickers load the chosen saved mapping in a browser with JavaScript turned off
(a plain GET form); with JavaScript, choosing is enough (tests/e2e/test_partner_onboarding.py)."""

import importlib

import pytest
from django.apps import apps
from playwright.sync_api import expect

from stores.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page_without_script(chromium, live_server, roles, user_in_role):
    importlib.import_module("partners.migrations.0002_merchandiser_permissions").grant(apps, None)
    user_in_role(Role.MERCHANDISER, username="mei", stores=[])
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, base_url=live_server.url, java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("mei")
    page.get_by_label("Password").fill("test-password")
    page.get_by_role("button", name="Log in").click()
    yield page
    context.close()


def test_without_javascript_load_mapping_loads_the_chosen_one(page_without_script, onboarded):
    page = page_without_script
    threadline = onboarded["threadline"]
    page.goto(f"/admin/partners/partner/{threadline.pk}/preview-mapping/")
    expect(page.get_by_label("Expression:", exact=True)).to_have_value(
        threadline.operations.get(operation="lookup").response_mapping
    )

    page.get_by_label("Operation:", exact=True).select_option("place_order")
    page.get_by_label("Direction:", exact=True).select_option("request")
    assert page.get_by_label("Sample order:", exact=True).count() == 0  # nothing loaded yet
    page.get_by_role("button", name="Load mapping").click()

    expect(page.get_by_label("Expression:", exact=True)).to_have_value(
        threadline.operations.get(operation="place_order").request_mapping
    )
    expect(page.get_by_label("Sample order:", exact=True)).to_be_visible()
    expect(page.get_by_label("Sample:", exact=True)).to_have_count(0)
    expect(page.get_by_test_id("preview-loaded")).to_have_text(
        "Loaded the saved request mapping of place order."
    )
