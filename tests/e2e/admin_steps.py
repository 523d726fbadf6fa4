"""Steps a merchandiser takes in the partner admin, shared by the browser onboarding tests."""

import importlib
import os

from django.apps import apps
from playwright.sync_api import Locator, Page, expect

from stores.roles import Role
from tests.conftest import REPO

DESKTOP = {"width": 1280, "height": 900}
MERCHANDISER = "mei"
PASSWORD = "test-password"  # the factories' password for every test user


def merchandiser_create(user_in_role):
    """A merchandiser working at no store. The Merchandiser group's partner permissions come
    from the partners app's own data migration, replayed here (transactional tests flush it)."""
    importlib.import_module("partners.migrations.0002_merchandiser_permissions").grant(apps, None)
    return user_in_role(Role.MERCHANDISER, username=MERCHANDISER, stores=[])


def admin_log_in(page: Page) -> None:
    page.goto("/admin/")
    page.get_by_label("Username").fill(MERCHANDISER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Stores, staff and partners")).to_be_visible()


def field(scope: Page | Locator, label: str) -> Locator:
    """A form field by its admin label ("Name:"); exact, since labels contain one another."""
    return scope.get_by_label(label, exact=True)


def partner_named(page: Page, *, name: str, slug: str) -> None:
    """On the partner add page, type the name and a slug of our own. The admin derives the slug
    from the name, on the name's focus, keyup and change events, until the slug sees a change
    event. Its add page focuses the name from a script loaded asynchronously: on a busy machine
    that focus came after the slug was typed, and emptied it. So wait for that focus; then type
    the slug and send the change event a browser sends when a person leaves the field (the
    focus moving on could send it too late: the slug was then derived from the name)."""
    expect(field(page, "Name:")).to_be_focused()
    field(page, "Slug:").fill(slug)
    field(page, "Slug:").dispatch_event("change")
    field(page, "Name:").fill(name)


def operation_add(page: Page, index: int, config: dict[str, str]) -> None:
    """Add an operation block to the partner form and type its settings."""
    page.get_by_role("button", name="Add another Operation config").click()
    form = page.locator(f"#operations-{index}")
    field(form, "Operation:").select_option(label=config["operation"])
    field(form, "Method:").select_option(config["method"])
    field(form, "Path template:").fill(config["path_template"])
    if "headers" in config:
        field(form, "Headers:").fill(config["headers"])
    field(form, "Accepted statuses:").fill(config["accepted_statuses"])
    field(form, "Request mapping:").fill(config["request_mapping"])
    field(form, "Response mapping:").fill(config["response_mapping"])


def operation_form(page: Page, operation: str) -> Locator:
    """The saved operation block whose Operation is `operation` (its value, e.g. "lookup")."""
    for form in page.locator("div.inline-related[id^='operations-']").all():
        if form.get_attribute("id") == "operations-empty":
            continue
        if field(form, "Operation:").input_value() == operation:
            return form
    raise AssertionError(f"No {operation} operation on the page")


def status_button_click(page: Page, label: str) -> None:
    button = page.get_by_test_id("partner-status").get_by_role("button", name=label)
    # A submit button whose form="…" names no form in the page does nothing at all when clicked.
    assert button.evaluate("button => button.form !== null"), f"{label!r} submits no form"
    button.click()


def _screenshot_path(name: str) -> str | None:
    """Where a screenshot goes when SCREENSHOTS=1 (as tests.conftest.screenshot), else None."""
    if os.environ.get("SCREENSHOTS") != "1":
        return None
    return str(REPO / "docs" / "screenshots" / f"{name}.png")


def screenshot_top(page: Page, name: str) -> None:
    """The top of the page as a person sees it first: messages and the status box, not the
    whole form below them."""
    if path := _screenshot_path(name):
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=path)


def screenshot_span(page: Page, name: str, first: Locator, last: Locator) -> None:
    """The part of a long page from the top of `first` to the bottom of `last`."""
    if path := _screenshot_path(name):
        page.evaluate("window.scrollTo(0, 0)")  # so the boxes are measured from the page's top
        top, bottom = first.bounding_box(), last.bounding_box()
        page.screenshot(
            path=path,
            full_page=True,
            clip={
                "x": 0,
                "y": top["y"],
                "width": page.viewport_size["width"],
                "height": bottom["y"] + bottom["height"] - top["y"],
            },
        )
