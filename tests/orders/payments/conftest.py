"""The sandbox gateway on a free loopback port, once per run, emptied before each test; the
HTTP client pointed at it; and `browser_tokenise`, which posts a card as the card form will."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import count

import pytest

from orders.payments.gateway import Authorisation
from orders.payments.http_gateway import HttpPaymentGateway
from orders.payments.sandbox.server import DEMO_PUBLIC_KEY, DEMO_SECRET_KEY, PaymentSandbox
from tests.partners.sandbox.client import Reply, call

SHOP_ORIGIN = "http://shop.example:8000"
APPROVED_CARD = "4242424242424242"
CVC = "739"


def card_fields(number: str = APPROVED_CARD, **changes: object) -> dict[str, object]:
    """A tokenisation body that passes every check (expiring next year)."""
    return {
        "number": number,
        "exp_month": 12,
        "exp_year": date.today().year + 1,
        "cvc": "7391" if number.startswith(("34", "37")) else CVC,
        **changes,
    }


@pytest.fixture(scope="session")
def payment_sandbox_running():
    sandbox = PaymentSandbox(allowed_origins=[SHOP_ORIGIN]).start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def payment_sandbox(payment_sandbox_running) -> PaymentSandbox:
    payment_sandbox_running.reset()
    return payment_sandbox_running


@pytest.fixture
def gateway(payment_sandbox) -> HttpPaymentGateway:
    return HttpPaymentGateway(base_url=payment_sandbox.base_url, secret_key=DEMO_SECRET_KEY)


@dataclass
class Browser:
    """The card form: posts straight to the gateway with the public key, from the shop."""

    base_url: str

    def post(
        self, body: object, *, key: str = DEMO_PUBLIC_KEY, origin: str | None = SHOP_ORIGIN
    ) -> Reply:
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        if origin is not None:
            headers["Origin"] = origin
        return call(
            "POST", f"{self.base_url}/v1/tokens", headers=headers, body=json.dumps(body).encode()
        )

    def post_card(self, number: str = APPROVED_CARD, **changes: object) -> Reply:
        return self.post(card_fields(number, **changes))

    def tokenise(self, number: str = APPROVED_CARD, **changes: object) -> str:
        reply = self.post_card(number, **changes)
        assert reply.status == 201, reply.body
        return reply.json()["token"]


@pytest.fixture
def browser(payment_sandbox) -> Browser:
    return Browser(payment_sandbox.base_url)


@pytest.fixture
def keys():
    """Fresh idempotency keys: keys("capture") → "capture-1", "capture-2", …"""
    numbers = count(1)
    return lambda name="key": f"{name}-{next(numbers)}"


@pytest.fixture
def authorised(gateway, browser, keys):
    """`authorised(amount="50.00", number=…)`: a card tokenised and authorised in GBP."""

    def make(amount: str = "50.00", number: str = APPROVED_CARD) -> Authorisation:
        return gateway.authorise(
            token=browser.tokenise(number),
            amount=Decimal(amount),
            currency="GBP",
            reference="EA-1001-1",
            idempotency_key=keys("authorise"),
        )

    return make
