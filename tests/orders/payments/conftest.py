"""The sandbox gateway on a free loopback port, once per run, emptied before each test; the
HTTP client pointed at it; and `browser_tokenise`, which posts a card as the card form will."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import count

import pytest

from orders.payments.gateway import Authorisation, PaymentOperation
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


@dataclass
class Payments:
    """Capture, void and refund an authorisation, each with a fresh idempotency key unless
    given one: `pay.capture(authorisation, "20.00")`."""

    gateway: HttpPaymentGateway
    keys: object

    def authorise(
        self, token: str, amount: str, *, key: str = "", reference: str = "EA-1001-1"
    ) -> Authorisation:
        return self.gateway.authorise(
            token=token,
            amount=Decimal(amount),
            currency="GBP",
            reference=reference,
            idempotency_key=key or self.keys("authorise"),
        )

    def capture(self, authorisation: Authorisation, amount: str, key: str = "") -> PaymentOperation:
        return self.gateway.capture(
            authorisation_id=authorisation.authorisation_id,
            amount=Decimal(amount),
            idempotency_key=key or self.keys("capture"),
        )

    def refund(self, authorisation: Authorisation, amount: str, key: str = "") -> PaymentOperation:
        return self.gateway.refund(
            authorisation_id=authorisation.authorisation_id,
            amount=Decimal(amount),
            idempotency_key=key or self.keys("refund"),
        )

    def void(self, authorisation: Authorisation, key: str = "") -> PaymentOperation:
        return self.gateway.void(
            authorisation_id=authorisation.authorisation_id,
            idempotency_key=key or self.keys("void"),
        )


@pytest.fixture
def pay(gateway, keys) -> Payments:
    return Payments(gateway, keys)


@pytest.fixture
def authorised(pay, browser):
    """`authorised(amount="50.00", number=…)`: a card tokenised and authorised in GBP."""

    def make(amount: str = "50.00", number: str = APPROVED_CARD) -> Authorisation:
        return pay.authorise(browser.tokenise(number), amount)

    return make
