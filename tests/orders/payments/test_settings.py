"""Payment gateway settings: the demo's defaults are the sandbox's keys; production takes
card payments only from a complete, https, non-demo configuration."""

import pytest
from django.conf import settings

from endless_aisle.settings.validation import payment_gateway_problems
from orders.payments.http_gateway import payment_gateway
from orders.payments.sandbox.server import DEMO_PORT, DEMO_PUBLIC_KEY, DEMO_SECRET_KEY
from tests.endless_aisle.test_production_settings import run_manage

DEMO_KEYS = (DEMO_PUBLIC_KEY, DEMO_SECRET_KEY)
REAL = {
    "url": "https://api.gateway.example",
    "public_key": "pk_live_retailer",
    "secret_key": "sk_live_retailer",
}


def test_the_demo_defaults_are_the_sandbox_gateway_and_its_keys():
    demo_keys = (settings.DEMO_PAYMENT_GATEWAY_PUBLIC_KEY, settings.DEMO_PAYMENT_GATEWAY_SECRET_KEY)
    url = settings.PAYMENT_GATEWAY_URL

    assert url == f"http://127.0.0.1:{DEMO_PORT}"
    assert demo_keys == DEMO_KEYS
    assert settings.PAYMENT_CARDS_ENABLED is True


def test_the_gateway_is_built_from_the_settings(settings):
    settings.PAYMENT_GATEWAY_URL = "https://api.gateway.example/"

    assert payment_gateway().base_url == "https://api.gateway.example"


def test_no_gateway_at_all_is_allowed():
    assert payment_gateway_problems(url="", public_key="", secret_key="", demo_keys=DEMO_KEYS) == []


def test_a_complete_https_configuration_passes():
    assert payment_gateway_problems(**REAL, demo_keys=DEMO_KEYS) == []


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        (
            {"secret_key": ""},
            "PAYMENT_GATEWAY_SECRET_KEY must be set: the payment gateway configuration is "
            "incomplete",
        ),
        ({"url": "http://api.gateway.example"}, "PAYMENT_GATEWAY_URL must use https"),
        (
            {"public_key": DEMO_PUBLIC_KEY},
            "PAYMENT_GATEWAY_PUBLIC_KEY must be your gateway's key, not the sandbox's demo key",
        ),
        (
            {"secret_key": DEMO_SECRET_KEY},
            "PAYMENT_GATEWAY_SECRET_KEY must be your gateway's key, not the sandbox's demo key",
        ),
    ],
)
def test_each_unsafe_value_is_named(override, problem):
    assert payment_gateway_problems(**{**REAL, **override}, demo_keys=DEMO_KEYS) == [problem]


def test_production_refuses_to_start_with_the_sandbox_gateway():
    result = run_manage(
        "check",
        PAYMENT_GATEWAY_URL=f"http://127.0.0.1:{DEMO_PORT}",
        PAYMENT_GATEWAY_PUBLIC_KEY=DEMO_PUBLIC_KEY,
        PAYMENT_GATEWAY_SECRET_KEY=DEMO_SECRET_KEY,
    )

    assert result.returncode != 0
    assert (
        "Refusing to start with insecure settings: PAYMENT_GATEWAY_URL must use https; "
        "PAYMENT_GATEWAY_PUBLIC_KEY must be your gateway's key" in result.stderr
    )
