"""POST /v1/tokens: the browser's card becomes a single-use token; bad cards name their field."""

from datetime import date

import pytest

from orders.payments.sandbox.server import DEMO_SECRET_KEY
from tests.orders.payments.conftest import SHOP_ORIGIN, card_fields
from tests.partners.sandbox.client import call


def test_a_valid_card_gives_a_token_with_brand_and_last_four(browser, payment_sandbox):
    reply = browser.post(card_fields("4242 4242 4242 4242"))

    assert reply.status == 201
    body = reply.json()
    assert body["token"].startswith("tok_")
    assert {key: body[key] for key in ("brand", "last4", "exp_month")} == {
        "brand": "visa",
        "last4": "4242",
        "exp_month": 12,
    }
    assert "number" not in body and "cvc" not in body
    assert reply.headers["Access-Control-Allow-Origin"] == SHOP_ORIGIN
    assert payment_sandbox.state()["unused_tokens"] == 1


@pytest.mark.parametrize(
    ("number", "brand", "cvc"),
    [("5555555555554444", "mastercard", "123"), ("378282246310005", "amex", "7391")],
)
def test_each_accepted_brand_is_recognised(browser, number, brand, cvc):
    reply = browser.post(card_fields(number, cvc=cvc))

    assert reply.status == 201
    assert (reply.json()["brand"], reply.json()["last4"]) == (brand, number[-4:])


NEXT_YEAR = date.today().year + 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"number": ""}, "number", "Enter the card number."),
        ({"number": "4242x4242"}, "number", "The card number may only hold digits."),
        ({"number": "42424242"}, "number", "The card number is too short or too long."),
        (
            {"number": "4242424242424241"},
            "number",
            "The card number is not valid: check it for a typing mistake.",
        ),
        (
            {"number": "6011111111111117"},
            "number",
            "Only Visa, Mastercard and American Express cards are accepted.",
        ),
        ({"exp_month": 13}, "expiry", "Enter the expiry month as a number from 1 to 12."),
        ({"exp_year": None}, "expiry", "Enter the expiry year."),
        ({"exp_month": 1, "exp_year": 2020}, "expiry", "The card has expired."),
        ({"exp_year": NEXT_YEAR + 30}, "expiry", "The expiry year is too far ahead: check it."),
        ({"cvc": ""}, "cvc", "Enter the security code (CVC)."),
        ({"cvc": "12"}, "cvc", "The security code (CVC) is 3 digits."),
        ({"cvc": "1234"}, "cvc", "The security code (CVC) is 3 digits."),
    ],
)
def test_each_invalid_field_is_named_with_its_message(
    browser, payment_sandbox, changes, field, message
):
    reply = browser.post(card_fields(**changes))

    assert reply.status == 422
    assert reply.json() == {
        "error": {
            "type": "invalid_card",
            "message": "The card details are not valid",
            "fields": {field: message},
        }
    }
    # The form can show it: the shop's origin may read the answer.
    assert reply.headers["Access-Control-Allow-Origin"] == SHOP_ORIGIN
    assert payment_sandbox.state()["unused_tokens"] == 0


def test_an_amex_needs_a_four_digit_cvc(browser):
    reply = browser.post(card_fields("378282246310005", cvc="123"))

    assert reply.json()["error"]["fields"] == {"cvc": "The security code (CVC) is 4 digits."}


def test_every_bad_field_is_named_at_once(browser):
    reply = browser.post({"number": "1234", "exp_month": "x", "cvc": 123})

    assert set(reply.json()["error"]["fields"]) == {"number", "expiry", "cvc"}


def test_expiry_accepts_two_digit_years_and_this_month(browser):
    today = date.today()
    reply = browser.post(card_fields(exp_month=str(today.month), exp_year=str(today.year % 100)))

    assert reply.status == 201
    assert (reply.json()["exp_month"], reply.json()["exp_year"]) == (today.month, today.year)


@pytest.mark.parametrize("key", ["pk_wrong", DEMO_SECRET_KEY])
def test_only_the_public_key_may_tokenise(browser, payment_sandbox, key):
    reply = browser.post(card_fields(), key=key)

    assert reply.status == 401
    assert reply.json()["error"] == {
        "type": "authentication_failed",
        "message": "Send the public API key as a Bearer token.",
    }
    assert payment_sandbox.state()["unused_tokens"] == 0


def test_a_page_from_another_origin_is_refused(browser, payment_sandbox):
    reply = browser.post(card_fields(), origin="https://evil.example")

    assert reply.status == 403
    assert "Access-Control-Allow-Origin" not in reply.headers
    assert payment_sandbox.state()["unused_tokens"] == 0


def test_the_browser_preflight_allows_the_card_form(payment_sandbox):
    reply = call(
        "OPTIONS",
        f"{payment_sandbox.base_url}/v1/tokens",
        headers={
            "Origin": SHOP_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )

    assert reply.status == 204
    assert reply.headers["Access-Control-Allow-Origin"] == SHOP_ORIGIN
    assert reply.headers["Access-Control-Allow-Methods"] == "POST"
    assert reply.headers["Access-Control-Allow-Headers"] == "Authorization, Content-Type"


def test_a_body_that_is_not_json_is_a_clear_400(payment_sandbox):
    reply = call(
        "POST",
        f"{payment_sandbox.base_url}/v1/tokens",
        headers={"Authorization": "Bearer pk_sandbox_endless_aisle_demo"},
        body=b"number=4242424242424242",
    )

    assert reply.status == 400
    assert reply.json()["error"]["message"] == "The request body is not valid JSON"
