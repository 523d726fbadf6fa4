"""A whole payment, bad card entries included, logs no card number, CVC, token or key."""

import logging
import re

from orders.payments.sandbox.server import DEMO_PUBLIC_KEY, DEMO_SECRET_KEY
from tests.orders.payments.conftest import card_fields

AMEX = "378282246310005"
# Four digits: no ephemeral port and no latency in milliseconds can look like it.
AMEX_CVC = "7391"


def test_a_full_flow_logs_every_call_and_no_card_data(
    pay, caplog, browser, gateway, payment_sandbox
):
    caplog.set_level(logging.DEBUG)
    browser.post(card_fields(AMEX, cvc="12"))  # a typing mistake first
    browser.post(card_fields(AMEX[:-1] + "6", cvc=AMEX_CVC))
    token = browser.tokenise(AMEX, cvc=AMEX_CVC)
    authorisation = pay.authorise(token, "80.00")
    pay.capture(authorisation, "60.00")
    pay.refund(authorisation, "60.00")

    logged = caplog.text
    for secret in (AMEX, AMEX[:-1] + "6", token, DEMO_SECRET_KEY, DEMO_PUBLIC_KEY):
        assert secret not in logged
    assert re.search(rf"(?<!\d){AMEX_CVC}(?!\d)", logged) is None
    assert "cvc" not in logged.lower()
    assert [
        record.getMessage().split(" in ")[0]
        for record in caplog.records
        if record.name == "orders.payments.http_gateway"
    ] == [
        "payment gateway authorise: 201",
        "payment gateway capture: 200",
        "payment gateway refund: 200",
    ]
    # The sandbox keeps the card to authorise it, but never shows the number in its state.
    assert AMEX not in str(payment_sandbox.state())
