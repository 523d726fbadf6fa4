"""A merchandiser connects a partner nobody wrote code for, through the Django admin alone.

The partner (tests/e2e/fourth_partner.py) runs on a loopback port next to the sandbox
partners; both are allow-listed for the SSRF guard through the `settings` fixture, which the
live server sees because it runs in a thread of this process.
"""

import json
from decimal import Decimal
from itertools import groupby

import pytest
from playwright.sync_api import expect

from partners.adapters.registry import adapter_for
from partners.crypto import credentials_decrypt
from partners.mapping import Address, Contact, OrderConfirmation, OrderLine, OrderRequest
from partners.models import Partner, PartnerCall
from tests.conftest import screenshot
from tests.e2e.admin_steps import (
    DESKTOP,
    admin_log_in,
    field,
    merchandiser_create,
    operation_add,
    partner_named,
    status_button_click,
)
from tests.e2e.fourth_partner import (
    API_KEY,
    API_KEY_PARAMETER,
    JACKET_EAN,
    REQUEST_REF_HEADER,
    UNKNOWN_EAN,
    fourth_partner_start,
    fourth_partner_stop,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "Quayside Supply"
SLUG = "quayside"

LOOKUP_RESPONSE_MAPPING = """status = 404 ? null : body.result.{
  "partner_product_id": ref,
  "name": label,
  "brand": maker,
  "currency": "GBP",
  "images": pics[],
  "variants": skus.{
    "partner_sku": id,
    "gtin": ean,
    "attributes": dims,
    "cost": gbp,
    "available_quantity": on_hand
  }[]
}"""
ORDER_REQUEST_MAPPING = """{
  "body": {
    "ref": reference,
    "lines": lines.{"sku": partner_sku, "qty": quantity}[],
    "ship": {
      "name": ship_to.name,
      "line1": ship_to.line1,
      "city": ship_to.city,
      "postcode": ship_to.postal_code,
      "country": ship_to.country
    }
  }
}"""
ORDER_RESPONSE_MAPPING = """{
  "partner_order_id": body.po,
  "status": $lookup({"OK": "accepted", "REFUSED": "rejected"}, body.state) ?: body.state,
  "duplicate": status = 200
}"""

LOOKUP = {
    "operation": "Look up by code",
    "method": "GET",
    "path_template": "/catalogue/ean/{code}",
    "accepted_statuses": "[404]",
    "request_mapping": "",
    "response_mapping": LOOKUP_RESPONSE_MAPPING,
}
PLACE_ORDER = {
    "operation": "Place order",
    "method": "POST",
    "path_template": "/purchase-orders",
    "accepted_statuses": "[]",
    "request_mapping": ORDER_REQUEST_MAPPING,
    "response_mapping": ORDER_RESPONSE_MAPPING,
}

JACKET = {
    "partner_product_id": "QS-100",
    "name": "Waxed Cotton Field Jacket",
    "brand": "Quayside",
    "description": None,
    "category": None,
    "images": ["https://img.quayside.example/qs-100.jpg"],
    "variants": [
        {
            "partner_sku": "QS-100-M-OLV",
            "gtin": JACKET_EAN,
            "attributes": {"size": "M", "colour": "Olive"},
            "cost": "89.50",
            "msrp": None,
            "currency": "GBP",
            "available_quantity": 4,
            "delivery_days": None,
            "delivery_date": None,
        },
        {
            "partner_sku": "QS-100-L-OLV",
            "gtin": "5060123450026",
            "attributes": {"size": "L", "colour": "Olive"},
            "cost": "89.50",
            "msrp": None,
            "currency": "GBP",
            "available_quantity": 0,
            "delivery_days": None,
            "delivery_date": None,
        },
    ],
    "similar": [],
    "currency": "GBP",
}
# A sample answer from the partner's documentation: one SKU only, which JSONata would turn into
# a lone object without the [] suffix in the mapping.
BEANIE_SAMPLE = {
    "result": {
        "ref": "QS-200",
        "label": "Merino Beanie",
        "maker": "Quayside",
        "pics": ["https://img.quayside.example/qs-200.jpg"],
        "skus": [
            {
                "id": "QS-200-OS-NVY",
                "ean": "5060123450033",
                "dims": {"size": "One size", "colour": "Navy"},
                "gbp": "24.00",
                "on_hand": 12,
            }
        ],
    }
}
BEANIE = {
    "partner_product_id": "QS-200",
    "name": "Merino Beanie",
    "brand": "Quayside",
    "description": None,
    "category": None,
    "images": ["https://img.quayside.example/qs-200.jpg"],
    "variants": [
        {
            "partner_sku": "QS-200-OS-NVY",
            "gtin": "5060123450033",
            "attributes": {"size": "One size", "colour": "Navy"},
            "cost": "24.00",
            "msrp": None,
            "currency": "GBP",
            "available_quantity": 12,
            "delivery_days": None,
            "delivery_date": None,
        }
    ],
    "similar": [],
    "currency": "GBP",
}
ORDER = OrderRequest(
    reference="EA-LDN-01-000123",
    idempotency_key="5b0e7f52-2f7e-4d0c-9d55-0c1f6f3a9e10",
    lines=(
        OrderLine(
            partner_sku="QS-100-M-OLV",
            gtin=JACKET_EAN,
            quantity=2,
            unit_cost=Decimal("89.50"),
            currency="GBP",
        ),
    ),
    ship_to=Address(
        name="Alex Doe", line1="1 Quay Street", city="Bristol", postal_code="BS1 4DJ", country="GB"
    ),
    customer=Contact(name="Alex Doe", email="alex@example.com"),
)


@pytest.fixture(scope="module")
def fourth_partner():
    partner = fourth_partner_start()
    yield partner
    fourth_partner_stop(partner)


@pytest.fixture
def partners_reachable(settings, onboarded, fourth_partner):
    """The sandbox partners live, as in the demo, and the fourth one reachable."""
    fourth_partner.reset()
    settings.PARTNER_HOST_ALLOWLIST = [*settings.PARTNER_HOST_ALLOWLIST, fourth_partner.netloc]
    return fourth_partner


@pytest.fixture
def merchandiser(roles, user_in_role):
    return merchandiser_create(user_in_role)


@pytest.fixture
def admin_page(chromium, live_server, merchandiser):
    """A desktop-sized page, logged in to the admin as the merchandiser."""
    context = chromium.new_context(viewport=DESKTOP, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    admin_log_in(page)
    yield page
    context.close()


def add_partner(page, partner_api, *, operations, screenshot_name: str = "") -> Partner:
    """Fill in the admin's add form for the fourth partner and save it; the saved partner."""
    page.goto("/admin/partners/partner/")
    page.get_by_role("link", name="Add partner").click()
    partner_named(page, name=NAME, slug=SLUG)
    field(page, "Categories:").fill('["apparel"]')
    field(page, "Base URL:").fill(partner_api.base_url)
    field(page, "Auth type:").select_option(label="API key in a query parameter")
    field(page, "API key name:").fill(API_KEY_PARAMETER)
    field(page, "API key:").fill(API_KEY)
    field(page, "Deduplication:").select_option(label="Idempotency-key header")
    field(page, "Idempotency header name:").fill(REQUEST_REF_HEADER)
    # What the partner ships and how it tells us: it has no status endpoint, so it pushes
    # status changes by webhook, signing the body (its secret is generated after saving).
    field(page, "Countries shipped to:").select_option(["GB", "IE"])
    field(page, "Shipping rule:").select_option(label="A flat charge per order")
    field(page, "Shipping amount:").fill("4.95")
    field(page, "Free shipping from:").fill("75.00")
    field(page, "Shipping currency:").fill("GBP")
    field(page, "Order status delivery:").select_option(
        label="Webhook: the partner sends us each change"
    )
    field(page, "Webhook signature scheme:").select_option(label="HMAC-SHA256 of the body")
    field(page, "Webhook signature header:").fill("X-Quayside-Signature")
    for index, config in enumerate(operations):
        operation_add(page, index, config)
    expect(field(page, "Slug:")).to_have_value(SLUG)
    if screenshot_name:
        screenshot(page, screenshot_name)
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_have_text(
        f"The partner “{NAME}” was added successfully. You may edit it again below."
    )
    return Partner.objects.get(slug=SLUG)


WEBHOOK_SECRET_MISSING = "Webhook secret: not stored; enter or generate one"


def unproven(partner: Partner) -> list[str]:
    """What the status box lists for the fourth partner saved with both operations and its
    facts: the proofs, and the webhook secret it signs with."""
    return [
        "Look up by code: no Test connection yet",
        f"Place order: send a test order on configuration version {partner.config_version} "
        "(or, for a partner without a test mode, sign orders off)",
        WEBHOOK_SECRET_MISSING,
    ]


def webhook_secret_generate(page) -> str:
    """From the status box's link, generate the webhook secret; the secret shown once."""
    page.get_by_test_id("go-live-problems").get_by_role("link", name=WEBHOOK_SECRET_MISSING).click()
    page.get_by_test_id("webhook-secret-generate").click()
    result = page.get_by_test_id("webhook-secret-result")
    expect(result.get_by_role("heading", level=2)).to_have_text("A new webhook secret is stored")
    secret = page.get_by_test_id("webhook-secret").inner_text()
    screenshot(page, "onboarding-webhook-secret")
    result.get_by_role("link", name=f"Back to {NAME}").click()
    return secret


def test_a_merchandiser_adds_and_tests_a_partner_through_the_admin(admin_page, partners_reachable):
    page = admin_page
    page.locator("#partners-partner").get_by_role("link", name="Partners").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(4)
    screenshot(page, "onboarding-partner-list")

    partner = add_partner(
        page,
        partners_reachable,
        operations=[LOOKUP, PLACE_ORDER],
        screenshot_name="onboarding-add-form",
    )

    status_box = page.get_by_test_id("partner-status")
    expect(status_box.get_by_role("heading")).to_have_text("Status: Draft")
    # Configured, not yet proven: the status box says what to prove, each a link to do it.
    expect(page.get_by_test_id("go-live-problems").get_by_role("listitem")).to_have_text(
        unproven(partner)
    )
    expect(status_box.get_by_role("button")).to_have_text(["Move to testing"])
    expect(page.locator(".field-secret_api_key")).to_contain_text(
        "Stored — leave blank to keep it."
    )
    screenshot(page, "onboarding-status-draft")
    assert API_KEY not in page.content()
    assert (partner.status, partner.auth_type, partner.api_key_name) == (
        Partner.Status.DRAFT,
        Partner.AuthType.API_KEY_QUERY,
        API_KEY_PARAMETER,
    )
    assert API_KEY not in partner.credentials.encrypted
    assert credentials_decrypt(partner.credentials.encrypted) == {"api_key": API_KEY}
    assert sorted(partner.operations.values_list("operation", "method", "accepted_statuses")) == [
        ("lookup", "GET", [404]),
        ("place_order", "POST", []),
    ]
    assert (
        [country.code for country in partner.ships_to],
        partner.shipping_rule,
        partner.shipping_amount,
        partner.shipping_free_above,
        partner.shipping_currency,
        partner.status_delivery,
        partner.webhook_signature_header,
    ) == (
        ["GB", "IE"],
        Partner.ShippingRule.PER_ORDER,
        Decimal("4.95"),
        Decimal("75.00"),
        "GBP",
        Partner.StatusDelivery.WEBHOOK,
        "X-Quayside-Signature",
    )

    page.get_by_role("link", name="Test connection", exact=True).click()
    field(page, "Operation:").select_option(label="Look up a barcode / code")
    field(page, "Value:").fill(JACKET_EAN)
    page.get_by_role("button", name="Run test").click()

    expect(page.get_by_test_id("test-result").get_by_role("heading", level=2)).to_have_text(
        f"Passed: {NAME} answered and the mapping fits."
    )
    expect(page.get_by_test_id("test-request")).to_have_text(
        f"GET /catalogue/ean/{JACKET_EAN}?apikey=•••"
    )
    assert json.loads(page.get_by_test_id("test-canonical").inner_text()) == JACKET
    assert API_KEY not in page.content()
    screenshot(page, "onboarding-test-connection")

    field(page, "Value:").fill(UNKNOWN_EAN)
    page.get_by_role("button", name="Run test").click()

    expect(page.get_by_test_id("test-result").get_by_role("heading", level=2)).to_have_text(
        f"Passed: {NAME} answered: {UNKNOWN_EAN} is not carried. This proves nothing yet: "
        "test with something the partner has."
    )
    expect(page.get_by_test_id("test-canonical")).to_have_count(0)
    assert partners_reachable.lookups == [JACKET_EAN, UNKNOWN_EAN]
    assert list(
        PartnerCall.objects.filter(partner=partner)
        .order_by("pk")
        .values_list("operation", "path", "status_code", "outcome")
    ) == [
        ("lookup", f"/catalogue/ean/{JACKET_EAN}", 200, PartnerCall.Outcome.OK),
        ("lookup", f"/catalogue/ean/{UNKNOWN_EAN}", 404, PartnerCall.Outcome.NOT_FOUND),
    ]
    assert partners_reachable.orders_created == 0

    page.get_by_role("link", name=NAME, exact=True).click()
    page.get_by_role("link", name="Preview mapping").click()
    expect(field(page, "Expression:")).to_have_value(LOOKUP_RESPONSE_MAPPING)
    field(page, "Code:").fill(BEANIE_SAMPLE["result"]["skus"][0]["ean"])
    field(page, "Sample:").fill(json.dumps(BEANIE_SAMPLE, indent=2))
    page.get_by_role("button", name="Preview").click()

    expect(page.get_by_test_id("preview-result").get_by_role("heading", level=2)).to_have_text(
        "The mapping fits"
    )
    assert json.loads(page.get_by_test_id("preview-canonical").inner_text()) == BEANIE
    screenshot(page, "onboarding-preview-mapping")
    assert partners_reachable.lookups == [JACKET_EAN, UNKNOWN_EAN]  # a preview calls nobody


def test_a_merchandiser_takes_the_new_partner_live_with_the_status_buttons(
    admin_page, partners_reachable
):
    page = admin_page
    partner = add_partner(page, partners_reachable, operations=[LOOKUP, PLACE_ORDER])
    status_box = page.get_by_test_id("partner-status")

    status_button_click(page, "Move to testing")

    expect(page.locator(".messagelist")).to_have_text(f"{NAME} is now testing.")
    expect(status_box.get_by_role("heading")).to_have_text("Status: Testing")
    expect(status_box.get_by_role("button")).to_have_count(2)
    expect(page.get_by_test_id("go-live-problems").get_by_role("listitem")).to_have_text(
        unproven(partner)
    )

    # The secret the partner will sign its webhooks with: generated, shown once, stored.
    secret = webhook_secret_generate(page)
    expect(page.get_by_test_id("go-live-problems").get_by_role("listitem")).to_have_text(
        unproven(partner)[:2]
    )
    partner.refresh_from_db()
    assert credentials_decrypt(partner.credentials.encrypted) == {
        "api_key": API_KEY,
        "webhook_secret": secret,
    }
    assert secret not in page.content()

    # Prove it: a lookup the partner answers, then a real test order of two of its items.
    page.get_by_role("link", name="Test connection", exact=True).click()
    field(page, "Value:").fill(JACKET_EAN)
    page.get_by_role("button", name="Run test").click()
    expect(page.get_by_test_id("test-result").get_by_role("heading", level=2)).to_have_text(
        f"Passed: {NAME} answered and the mapping fits."
    )
    page.get_by_role("link", name=NAME, exact=True).click()
    page.get_by_role("link", name="Send test order").click()
    expect(page.get_by_test_id("test-order-warning")).to_contain_text(
        f"{NAME} will really receive this order"
    )
    for checkbox in page.locator("input[name=items]").all():
        checkbox.check()
    page.get_by_label(f"I understand that {NAME} will really receive this order.").check()
    screenshot(page, "onboarding-test-order-form")
    page.get_by_role("button", name="Send test order").click()
    expect(
        page.get_by_test_id("test-order-result").get_by_role("heading", level=2)
    ).to_contain_text("Accepted: Test order TEST-")
    screenshot(page, "onboarding-test-order-sent")
    assert partners_reachable.orders_created == 1
    page.get_by_role("link", name=NAME, exact=True).click()
    expect(page.get_by_test_id("go-live-problems")).to_have_count(0)

    status_button_click(page, "Move to live")

    expect(page.locator(".messagelist")).to_have_text(f"{NAME} is now live.")
    expect(status_box.get_by_role("heading")).to_have_text("Status: Live")
    screenshot(page, "onboarding-status-live")
    partner.refresh_from_db()
    assert partner.status == Partner.Status.LIVE
    # Every configuration change is a history record too; the status moved draft → testing → live.
    statuses = partner.history.order_by("history_date").values_list("status", flat=True)
    assert [status for status, _ in groupby(statuses)] == ["draft", "testing", "live"]


def test_the_status_box_lists_what_stops_a_partner_going_live(admin_page, partners_reachable):
    page = admin_page

    add_partner(page, partners_reachable, operations=[LOOKUP])

    expect(page.get_by_test_id("go-live-problems").get_by_role("listitem")).to_have_text(
        [
            "Place order: not configured",
            "Look up by code: no Test connection yet",
            WEBHOOK_SECRET_MISSING,
        ]
    )
    screenshot(page, "onboarding-go-live-problems")


def test_the_go_live_gate_keeps_a_partner_without_place_order_in_testing(
    admin_page, partners_reachable
):
    page = admin_page
    partner = add_partner(page, partners_reachable, operations=[LOOKUP])
    status_button_click(page, "Move to testing")
    expect(page.get_by_test_id("partner-status").get_by_role("heading")).to_have_text(
        "Status: Testing"
    )
    expect(page.get_by_test_id("go-live-problems").get_by_role("listitem")).to_have_text(
        [
            "Place order: not configured",
            "Look up by code: no Test connection yet",
            WEBHOOK_SECRET_MISSING,
        ]
    )

    status_button_click(page, "Move to live")

    expect(page.locator(".messagelist")).to_have_text(
        "Cannot go live: Place order: not configured Look up by code: no Test connection yet "
        f"{WEBHOOK_SECRET_MISSING}"
    )
    expect(page.get_by_test_id("partner-status").get_by_role("heading")).to_have_text(
        "Status: Testing"
    )
    partner.refresh_from_db()
    assert partner.status == Partner.Status.TESTING
    assert not partner.history.filter(status=Partner.Status.LIVE).exists()


def test_an_order_sent_twice_with_the_mapping_typed_in_the_admin_reaches_the_partner_once(
    admin_page, partners_reachable
):
    partner = add_partner(admin_page, partners_reachable, operations=[LOOKUP, PLACE_ORDER])
    # The declarative adapter is what sends every order to a partner.
    adapter = adapter_for(Partner.objects.get(pk=partner.pk))

    first = adapter.place_order(ORDER)
    repeat = adapter.place_order(ORDER)

    assert first == OrderConfirmation(partner_order_id="PO-1", status="accepted", duplicate=False)
    assert repeat == OrderConfirmation(partner_order_id="PO-1", status="accepted", duplicate=True)
    assert partners_reachable.orders_created == 1
    assert partners_reachable.orders == {
        ORDER.idempotency_key: {
            "po": "PO-1",
            "order": {
                "ref": "EA-LDN-01-000123",
                "lines": [{"sku": "QS-100-M-OLV", "qty": 2}],
                "ship": {
                    "name": "Alex Doe",
                    "line1": "1 Quay Street",
                    "city": "Bristol",
                    "postcode": "BS1 4DJ",
                    "country": "GB",
                },
            },
        }
    }
    assert list(
        PartnerCall.objects.filter(partner=partner)
        .order_by("pk")
        .values_list("operation", "path", "status_code", "outcome")
    ) == [
        ("place_order", "/purchase-orders", 201, PartnerCall.Outcome.OK),
        ("place_order", "/purchase-orders", 200, PartnerCall.Outcome.OK),
    ]


def test_a_merchandiser_previews_the_order_request_of_an_xml_partner(
    admin_page, partners_reachable, onboarded
):
    page = admin_page
    hearth = onboarded["hearth"]
    request_mapping = hearth.operations.get(operation="place_order").request_mapping
    page.goto(f"/admin/partners/partner/{hearth.pk}/preview-mapping/?operation=place_order")

    with page.expect_navigation():  # choosing the direction loads that saved mapping
        field(page, "Direction:").select_option("request")
    expect(field(page, "Expression:")).to_have_value(request_mapping)
    field(page, "Sample order:").fill(json.dumps(ORDER.to_mapping_input(), indent=2))
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.get_by_role("button", name="Preview").click()

    assert answer.value.status == 200
    expect(page.get_by_test_id("preview-result").get_by_role("heading", level=2)).to_have_text(
        "The mapping fits"
    )
    assert json.loads(page.get_by_test_id("preview-canonical").inner_text()) == {
        "path": {},
        "query": {},
        "headers": {},
        "body": {
            "Order": {
                "OrderRef": "EA-LDN-01-000123",
                "DeliverTo": {
                    "Name": "Alex Doe",
                    "Line1": "1 Quay Street",
                    "City": "Bristol",
                    "PostCode": "BS1 4DJ",
                    "Country": "GB",
                },
                "Lines": {"Line": [{"@code": "QS-100-M-OLV", "@qty": "2"}]},
            }
        },
    }
