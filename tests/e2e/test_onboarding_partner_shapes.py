"""A merchandiser onboards partners of the other shapes through the admin alone: here Baywater
Wholesale, the sandbox partner whose lookup answers only "available or not", which takes one item
per order, signs every request with HMAC and signs its webhooks over a timestamp and the body.

Everything is typed in the browser from Baywater's API documentation (the docstring of
partners/sandbox/baywater.py), with the mappings of its sandbox configuration typed as a
merchandiser would write them; nothing is imported. Baywater runs in the session's sandbox on a
loopback port, allow-listed for the SSRF guard by `sandbox_allowed`.
"""

import json
import re
from itertools import groupby
from urllib.request import urlopen

import pytest
from playwright.sync_api import expect

from partners.crypto import credentials_decrypt
from partners.models import Partner, PartnerCall
from partners.sandbox.baywater import KEY_ID, SECRET
from partners.sandbox.catalog import PartnerCatalog, PartnerName, catalog_default
from partners.sandbox.orders import OrderStatus
from tests.conftest import screenshot
from tests.e2e.admin_steps import (
    DESKTOP,
    admin_log_in,
    field,
    merchandiser_create,
    operation_add,
    operation_form,
    partner_named,
    screenshot_span,
    screenshot_top,
    status_button_click,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "Baywater Wholesale"
SLUG = "baywater"
ACCEPT_JSON = '{"Accept": "application/json"}'

# From Baywater's documentation: GET /v1/availability/{ean}?qty=N answers
# {"ean", "qty", "status": "IN_STOCK" | "OUT_OF_STOCK"}, or 404 when it does not stock the EAN.
LOOKUP = {
    "operation": "Look up by code",
    "method": "GET",
    "path_template": "/v1/availability/{code}",
    "headers": ACCEPT_JSON,
    "accepted_statuses": "[404]",
    "request_mapping": '{"query": {"qty": quantity}}',
    "response_mapping": """status = 404 ? null : {
  "available": $lookup({"IN_STOCK": true, "OUT_OF_STOCK": false}, body.status)
}""",
}
# The mistake: the documentation shows one item, so the merchandiser sends the order's first line
# and forgets to tell the admin that Baywater takes one item per order.
ORDER_REQUEST_FIRST_LINE_ONLY = """{
  "body": {
    "order_ref": reference,
    "item": {"ean": lines[0].gtin, "qty": lines[0].quantity},
    "deliver_to": {
      "name": ship_to.name,
      "address1": ship_to.line1,
      "address2": ship_to.line2,
      "town": ship_to.city,
      "postcode": ship_to.postal_code,
      "country": ship_to.country
    }
  }
}"""
# As the guide says for a one-item-per-order partner: each order has exactly one line.
ORDER_REQUEST = """{
  "body": {
    "order_ref": reference,
    "item": lines.{"ean": gtin, "qty": quantity},
    "deliver_to": {
      "name": ship_to.name,
      "address1": ship_to.line1,
      "address2": ship_to.line2,
      "town": ship_to.city,
      "postcode": ship_to.postal_code,
      "country": ship_to.country
    }
  }
}"""
PLACE_ORDER = {
    "operation": "Place order",
    "method": "POST",
    "path_template": "/v1/orders",
    "headers": ACCEPT_JSON,
    # A repeated order_ref answers 409 with the original order_no.
    "accepted_statuses": "[409]",
    "request_mapping": ORDER_REQUEST_FIRST_LINE_ONLY,
    "response_mapping": """status = 409 ? {
  "partner_order_id": body.error.order_no,
  "status": "accepted",
  "duplicate": true
} : {
  "partner_order_id": body.order_no,
  "status": $lookup({"OPEN": "accepted", "REFUSED": "rejected"}, body.status) ?: body.status,
  "lines": body.item.{"gtin": ean, "accepted": status = "ALLOCATED", "reason": refusal}[]
}""",
}
ORDER_STATUS_RESPONSE = """{
  "partner_order_id": body.order_no,
  "status": $lookup({"OPEN": "accepted", "REFUSED": "rejected", "IN_TRANSIT": "shipped",
    "DELIVERED": "delivered", "VOID": "cancelled"}, body.status) ?: body.status,
  "carrier": body.shipment.carrier,
  "tracking_number": body.shipment.tracking_no,
  "tracking_url": body.shipment.tracking_url,
  "at": body.updated_at
}"""
ORDER_STATUS = {
    "operation": "Order status",
    "method": "GET",
    "path_template": "/v1/orders/{partner_order_id}",
    "headers": ACCEPT_JSON,
    "accepted_statuses": "[]",
    "request_mapping": "",
    "response_mapping": ORDER_STATUS_RESPONSE,
}
CANCEL_ORDER = {
    "operation": "Cancel order",
    "method": "POST",
    "path_template": "/v1/orders/{partner_order_id}/void",
    "headers": ACCEPT_JSON,
    "accepted_statuses": "[]",
    "request_mapping": "",
    "response_mapping": ORDER_STATUS_RESPONSE,
}
LINES_PROBLEMS = [
    "Place order · request mapping: the request does not change when line 2's item changes, "
    "so line 2 would not reach the partner (a mapping that reads lines[0] drops every other "
    'line). Map every line, e.g. "items": lines.{"sku": partner_sku, "qty": quantity}[], or, '
    "if the partner takes one item per order, say so on the partner",
    "Place order · request mapping: the request does not change when line 2's quantity "
    "changes, so the partner would not know how many to send: map every line's quantity",
]


def stocked_eans(count: int) -> list[str]:
    """EANs Baywater stocks two or more of, from the sandbox's own catalogue."""
    offers = PartnerCatalog(catalog_default(), PartnerName.BAYWATER).offers
    eans = [item.variant.gtin for offer in offers for item in offer.variants if item.stock >= 2]
    return eans[:count]


def sandbox_state(base_url: str) -> dict:
    """What the sandbox partner says it received, from its control API."""
    with urlopen(f"{base_url}/_sandbox/state", timeout=5) as answer:  # noqa: S310 - loopback
        return json.load(answer)


@pytest.fixture
def baywater(sandbox, sandbox_allowed):
    """Baywater's sandbox, as it was before anyone called it."""
    sandbox.baywater.reset()
    return sandbox.baywater


@pytest.fixture
def admin_page(chromium, live_server, user_in_role):
    merchandiser_create(user_in_role)
    context = chromium.new_context(viewport=DESKTOP, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    admin_log_in(page)
    yield page
    context.close()


def baywater_add(page, base_url: str) -> Partner:
    """The add form, typed from Baywater's documentation, with the place-order mapping that
    reads only lines[0] and Orders left at several items per order."""
    page.goto("/admin/partners/partner/")
    page.get_by_role("link", name="Add partner").click()
    partner_named(page, name=NAME, slug=SLUG)
    field(page, "Categories:").fill('["home", "apparel", "footwear"]')
    field(page, "Base URL:").fill(base_url)
    field(page, "Auth type:").select_option(label="HMAC-signed requests")
    field(page, "HMAC header name:").fill("X-Signature")
    field(page, "HMAC signed parts:").fill("method,path,timestamp,body")
    field(page, "HMAC key id:").fill(KEY_ID)
    field(page, "HMAC secret:").fill(SECRET)
    field(page, "Lookup kind:").select_option(label="Availability only: available or not")
    field(page, "Deduplication:").select_option(label="Our order reference, rejected when repeated")
    field(page, "Countries shipped to:").select_option(["GB"])
    field(page, "Shipping rule:").select_option(label="A flat charge per order")
    field(page, "Shipping amount:").fill("4.50")
    field(page, "Free shipping from:").fill("40.00")
    field(page, "Shipping currency:").fill("GBP")
    field(page, "Order status delivery:").select_option(
        label="Webhook: the partner sends us each change"
    )
    field(page, "Webhook signature scheme:").select_option(
        label="HMAC-SHA256 of timestamp, full stop, body"
    )
    field(page, "Webhook signature header:").fill("X-Sandbox-Signature")
    field(page, "Webhook timestamp header:").fill("X-Sandbox-Timestamp")
    field(page, "Webhook replay window (seconds):").fill("300")
    for index, config in enumerate((LOOKUP, PLACE_ORDER, ORDER_STATUS, CANCEL_ORDER)):
        operation_add(page, index, config)
    expect(field(page, "Slug:")).to_have_value(SLUG)
    fieldsets = page.locator("fieldset.module")
    screenshot_span(
        page,
        "onboarding-baywater-add-form",
        fieldsets.filter(has=page.get_by_role("heading", name="Authentication")),
        fieldsets.filter(
            has=page.get_by_role("heading", name="What the partner ships and how it tells us")
        ),
    )
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_have_text(
        f"The partner “{NAME}” was added successfully. You may edit it again below."
    )
    return Partner.objects.get(slug=SLUG)


def test_a_merchandiser_onboards_an_availability_only_one_item_per_order_partner(
    admin_page, baywater
):
    page = admin_page
    first_ean, second_ean = stocked_eans(2)
    status_box = page.get_by_test_id("partner-status")
    problems = page.get_by_test_id("go-live-problems").get_by_role("listitem")

    # Given Baywater typed in from its documentation, with the first-line-only order mapping.
    partner = baywater_add(page, baywater.base_url)

    assert (partner.lookup_kind, partner.one_item_per_order) == ("availability", False)
    assert credentials_decrypt(partner.credentials.encrypted) == {
        "key_id": KEY_ID,
        "secret": SECRET,
    }
    assert SECRET not in page.content()
    version = partner.config_version
    unproven = [
        "Look up by code: no Test connection yet",
        "Order status: no Test connection yet",
        f"Place order: send a test order on configuration version {version} "
        "(or, for a partner without a test mode, sign orders off)",
        *LINES_PROBLEMS,
    ]
    expect(problems).to_have_text([*unproven, "Webhook secret: not stored; enter or generate one"])
    screenshot_top(page, "onboarding-baywater-status-draft")

    # The webhook secret: generated on its own page, shown once, to hand to Baywater.
    page.locator(".field-webhook_secret").get_by_role("link", name="generate one").click()
    screenshot(page, "onboarding-baywater-webhook-secret")
    page.get_by_test_id("webhook-secret-generate").click()
    webhook_secret = page.get_by_test_id("webhook-secret").inner_text()
    partner.refresh_from_db()
    assert credentials_decrypt(partner.credentials.encrypted)["webhook_secret"] == webhook_secret
    page.get_by_role("link", name=f"Back to {NAME}").click()
    expect(page.locator(".field-webhook_secret")).to_contain_text(
        "Stored, never shown again; leave blank to keep it."
    )
    assert webhook_secret not in page.content()

    # When the merchandiser tries to take it live with the first-line-only mapping,
    status_button_click(page, "Move to testing")
    expect(status_box.get_by_role("heading")).to_have_text("Status: Testing")
    status_button_click(page, "Move to live")

    # then the gate refuses, naming the dropped line, and nothing was sent to Baywater.
    expect(page.locator(".messagelist")).to_have_text(f"Cannot go live: {' '.join(unproven)}")
    expect(problems).to_have_text(unproven)
    expect(status_box.get_by_role("heading")).to_have_text("Status: Testing")
    screenshot_top(page, "onboarding-baywater-lines-refused")
    partner.refresh_from_db()
    assert partner.status == Partner.Status.TESTING
    assert not partner.history.filter(status=Partner.Status.LIVE).exists()
    assert sandbox_state(baywater.base_url)["order_requests"] == 0
    assert not PartnerCall.objects.filter(partner=partner).exists()

    # The fix the message names: Baywater takes one item per order; each order's one line.
    field(page, "One item per order").check()
    field(operation_form(page, "place_order"), "Request mapping:").fill(ORDER_REQUEST)
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    partner.refresh_from_db()
    assert partner.one_item_per_order is True
    assert partner.config_version == version + 1
    expect(problems).to_have_text(
        [
            "Look up by code: no Test connection yet",
            "Order status: no Test connection yet",
            f"Place order: send a test order on configuration version {version + 1} "
            "(or, for a partner without a test mode, sign orders off)",
        ]
    )

    # Test connection: two items Baywater stocks; it says it can supply each.
    page.get_by_role("link", name="Test connection", exact=True).click()
    for ean in (first_ean, second_ean):
        field(page, "Operation:").select_option(label="Look up a barcode / code")
        field(page, "Value:").fill(ean)
        page.get_by_role("button", name="Run test").click()
        expect(page.get_by_test_id("test-result").get_by_role("heading", level=2)).to_have_text(
            f"Passed: {NAME} answered and the mapping fits: it can supply {ean}."
        )
        expect(page.get_by_test_id("test-request")).to_have_text(
            f"GET /v1/availability/{ean}?qty=1"
        )
        assert json.loads(page.get_by_test_id("test-canonical").inner_text()) == {
            "available": True,
            "available_quantity": None,
            "delivery_days": None,
            "delivery_date": None,
            "partner_sku": None,
        }
    assert SECRET not in page.content()
    screenshot(page, "onboarding-baywater-test-connection")

    # Send test order: two lines, which Baywater receives as two orders of one item each.
    page.get_by_role("link", name=NAME, exact=True).click()
    page.get_by_role("link", name="Send test order").click()
    page.get_by_label(f"{first_ean} (availability only, no cost given)").check()
    page.get_by_label(f"{second_ean} (availability only, no cost given)").check()
    page.get_by_label(f"I understand that {NAME} will really receive this order.").check()
    page.get_by_role("button", name="Send test order").click()

    result = page.get_by_test_id("test-order-result")
    expect(result.get_by_role("heading", level=2)).to_have_text(
        re.compile(
            r"Accepted: Test order (TEST-BAYWATER-[0-9A-F]{8}) of 2 lines in 2 requests: "
            r"accepted, accepted\."
        )
    )
    reference = re.search(
        r"TEST-BAYWATER-[0-9A-F]{8}", result.get_by_role("heading", level=2).inner_text()
    ).group()
    expect(result.get_by_role("heading", level=3)).to_have_text(["Request 1", "Request 2"])
    sent = [
        json.loads(text.split("\n", 1)[1])
        for text in result.get_by_test_id("test-order-request").all_inner_texts()
    ]
    # The form lists the items newest lookup first, and the lines follow that order.
    assert [(body["order_ref"], body["item"]) for body in sent] == [
        (f"{reference}-1", {"ean": second_ean, "qty": 1}),
        (f"{reference}-2", {"ean": first_ean, "qty": 1}),
    ]
    confirmations = [
        json.loads(text) for text in result.get_by_test_id("test-order-canonical").all_inner_texts()
    ]
    assert [(c["partner_order_id"], c["status"]) for c in confirmations] == [
        ("BWO0000001", "accepted"),
        ("BWO0000002", "accepted"),
    ]
    recent = page.get_by_test_id("test-orders-recent")
    expect(recent).to_contain_text("BWO0000001 (accepted)")
    expect(recent).to_contain_text("BWO0000002 (accepted)")
    screenshot(page, "onboarding-baywater-test-order-sent")

    # Order status, a read Baywater offers, needs its own Test connection.
    page.get_by_role("link", name=NAME, exact=True).click()
    page.get_by_role("link", name="Test connection", exact=True).click()
    field(page, "Operation:").select_option(label="Status of a partner order id")
    field(page, "Value:").fill("BWO0000001")
    page.get_by_role("button", name="Run test").click()
    expect(page.get_by_test_id("test-result").get_by_role("heading", level=2)).to_have_text(
        f"Passed: {NAME} answered and the mapping fits."
    )
    assert json.loads(page.get_by_test_id("test-canonical").inner_text())["status"] == "accepted"

    # Cancel both test orders again.
    page.get_by_role("link", name=NAME, exact=True).click()
    page.get_by_role("link", name="Send test order").click()
    for order_no in ("BWO0000001", "BWO0000002"):
        page.get_by_role("button", name=f"Cancel {order_no}").click()
        expect(page.get_by_test_id("test-order-cancelled")).to_have_text("Cancelled")
    assert [baywater.orders.get(no).status for no in ("BWO0000001", "BWO0000002")] == [
        OrderStatus.CANCELLED,
        OrderStatus.CANCELLED,
    ]

    # Nothing is missing now: Move to live.
    page.get_by_role("link", name=NAME, exact=True).click()
    expect(page.get_by_test_id("go-live-problems")).to_have_count(0)
    status_button_click(page, "Move to live")

    expect(page.locator(".messagelist")).to_have_text(f"{NAME} is now live.")
    expect(status_box.get_by_role("heading")).to_have_text("Status: Live")
    screenshot_top(page, "onboarding-baywater-status-live")
    partner.refresh_from_db()
    assert (partner.status, partner.lookup_kind, partner.one_item_per_order) == (
        Partner.Status.LIVE,
        Partner.LookupKind.AVAILABILITY,
        True,
    )
    statuses = partner.history.order_by("history_date").values_list("status", flat=True)
    assert [status for status, _ in groupby(statuses)] == ["draft", "testing", "live"]
    # Baywater received exactly the two one-item orders of the test order, both cancelled.
    state = sandbox_state(baywater.base_url)
    assert (state["orders_created"], state["order_requests"]) == (2, 2)
    assert list(
        PartnerCall.objects.filter(partner=partner, operation__in=["place_order", "cancel_order"])
        .order_by("pk")
        .values_list("operation", "path", "status_code")
    ) == [
        ("place_order", "/v1/orders", 201),
        ("place_order", "/v1/orders", 201),
        ("cancel_order", "/v1/orders/BWO0000001/void", 200),
        ("cancel_order", "/v1/orders/BWO0000002/void", 200),
    ]
