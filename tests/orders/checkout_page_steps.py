"""Helpers for the checkout page's tests: the page's own hidden fields read back from its
HTML, and a filled-in form as an associate would post it."""

import re
from html import unescape

CUSTOMER = {
    "customer-name": "Ada Lovelace",
    "customer-email": "ada@example.com",
    "customer-phone": "07400 123456",
    "customer-note": "Leave at the desk",
}
PICKUP = {"delivery-method": "store"}


def hidden_value(html: str, name: str) -> str:
    match = re.search(rf'<input type="hidden" name="{re.escape(name)}" value="([^"]*)"', html)
    assert match, f"no hidden {name} on the page"
    return unescape(match[1])


def page_fields(response) -> dict[str, str]:
    """The checkout token and the confirmed prices the page carries."""
    html = response.content.decode()
    return {
        name: hidden_value(html, name) for name in ("payment-checkout_token", "payment-confirmed")
    }


def till_post(page, total, **changes) -> dict[str, str]:
    return {
        **CUSTOMER,
        **PICKUP,
        **page_fields(page),
        "payment-method": "till",
        "payment-receipt_reference": "TILL-0042",
        "payment-till_amount": str(total),
        **changes,
    }
