"""Authorise, capture, void and refund through the HTTP client against the sandbox gateway,
with the illegal sequences refused and nothing moved when they are."""

from decimal import Decimal

import pytest

from orders.payments.gateway import (
    AuthorisationStatus,
    PaymentGatewayMisconfigured,
    PaymentNotAllowed,
    PaymentNotFound,
    PaymentOperationKind,
    PaymentRequestInvalid,
)
from orders.payments.http_gateway import HttpPaymentGateway
from tests.partners.sandbox.client import call


def held(payment_sandbox, authorisation_id: str) -> dict:
    (found,) = [a for a in payment_sandbox.authorisations() if a["id"] == authorisation_id]
    return found


def test_an_approved_authorisation_holds_the_amount(authorised, payment_sandbox):
    authorisation = authorised("50.00")

    assert authorisation.status is AuthorisationStatus.APPROVED
    assert (authorisation.amount, authorisation.currency) == (Decimal("50.00"), "GBP")
    assert (authorisation.brand, authorisation.last4) == ("visa", "4242")
    assert authorisation.reference == "EA-1001-1"
    assert authorisation.expires_at is not None
    assert (authorisation.captured_amount, authorisation.refunded_amount) == (0, 0)
    assert authorisation.require_approved() is authorisation
    assert [a["id"] for a in payment_sandbox.authorisations()] == [authorisation.authorisation_id]


def test_a_full_capture_takes_the_authorised_amount(pay, authorised, payment_sandbox):
    authorisation = authorised("50.00")

    capture = pay.capture(authorisation, "50.00")

    assert capture.kind is PaymentOperationKind.CAPTURE
    assert (capture.amount, capture.currency) == (Decimal("50.00"), "GBP")
    assert capture.authorisation_status is AuthorisationStatus.CAPTURED
    assert capture.captured_amount == Decimal("50.00")
    assert held(payment_sandbox, authorisation.authorisation_id)["expires_at"] is None


def test_a_partial_capture_takes_only_the_accepted_lines(pay, authorised):
    authorisation = authorised("50.00")

    capture = pay.capture(authorisation, "32.50")

    assert (capture.amount, capture.captured_amount) == (Decimal("32.50"), Decimal("32.50"))


def test_capturing_more_than_authorised_is_refused(pay, authorised, payment_sandbox):
    authorisation = authorised("50.00")

    with pytest.raises(PaymentNotAllowed) as refused:
        pay.capture(authorisation, "50.01")

    assert refused.value.message == "Cannot capture 50.01: only 50.00 was authorised."
    assert held(payment_sandbox, authorisation.authorisation_id)["status"] == "approved"
    assert payment_sandbox.state()["operations"] == []


def test_a_second_capture_is_refused(pay, authorised, payment_sandbox):
    authorisation = authorised("50.00")
    pay.capture(authorisation, "20.00")

    with pytest.raises(PaymentNotAllowed) as refused:
        pay.capture(authorisation, "10.00")

    assert refused.value.message == (
        "The authorisation cannot be captured: it was already captured (refund it instead)."
    )
    assert held(payment_sandbox, authorisation.authorisation_id)["captured_amount"] == "20.00"


def test_a_void_releases_an_uncaptured_authorisation(pay, authorised, payment_sandbox):
    authorisation = authorised("50.00")

    void = pay.void(authorisation)

    assert void.kind is PaymentOperationKind.VOID
    assert void.authorisation_status is AuthorisationStatus.VOIDED
    assert (void.amount, void.captured_amount) == (Decimal("50.00"), Decimal(0))
    assert held(payment_sandbox, authorisation.authorisation_id)["status"] == "voided"


def test_capture_after_void_is_refused(pay, authorised, payment_sandbox):
    authorisation = authorised("50.00")
    pay.void(authorisation)

    with pytest.raises(PaymentNotAllowed) as refused:
        pay.capture(authorisation, "50.00")

    assert refused.value.message == "The authorisation cannot be captured: it was voided."
    assert held(payment_sandbox, authorisation.authorisation_id)["captured_amount"] == "0"


def test_void_after_capture_is_refused(pay, authorised, payment_sandbox):
    authorisation = authorised("50.00")
    pay.capture(authorisation, "50.00")

    with pytest.raises(PaymentNotAllowed) as refused:
        pay.void(authorisation)

    assert "already captured (refund it instead)" in refused.value.message
    assert held(payment_sandbox, authorisation.authorisation_id)["status"] == "captured"


def test_refunds_add_up_to_at_most_what_was_captured(pay, authorised, payment_sandbox):
    authorisation = authorised("50.00")
    pay.capture(authorisation, "40.00")

    first = pay.refund(authorisation, "15.00")
    with pytest.raises(PaymentNotAllowed) as refused:
        pay.refund(authorisation, "25.01")
    last = pay.refund(authorisation, "25.00")

    assert first.kind is PaymentOperationKind.REFUND
    assert (first.amount, first.refunded_amount) == (Decimal("15.00"), Decimal("15.00"))
    assert refused.value.message == (
        "Cannot refund 25.01: 25.00 of the 40.00 captured is left to refund."
    )
    assert (last.refunded_amount, last.captured_amount) == (Decimal("40.00"), Decimal("40.00"))
    assert [op["kind"] for op in payment_sandbox.state()["operations"]] == [
        "capture",
        "refund",
        "refund",
    ]


def test_a_refund_before_capture_is_refused(pay, authorised, payment_sandbox):
    authorisation = authorised("50.00")

    with pytest.raises(PaymentNotAllowed) as refused:
        pay.refund(authorisation, "5.00")

    assert refused.value.message == (
        "Only a captured payment can be refunded; this one is approved."
    )
    assert held(payment_sandbox, authorisation.authorisation_id)["refunded_amount"] == "0"


def test_an_unknown_authorisation_is_not_found(gateway, keys):
    with pytest.raises(PaymentNotFound) as missing:
        gateway.void(authorisation_id="auth_nope", idempotency_key=keys("void"))

    assert missing.value.message == "No authorisation auth_nope."


def test_a_token_is_used_once(pay, browser, payment_sandbox):
    token = browser.tokenise()
    pay.authorise(token, "10.00", reference="EA-1")

    with pytest.raises(PaymentRequestInvalid) as refused:
        pay.authorise(token, "10.00", reference="EA-2")

    assert refused.value.message == "This card token was already used."
    assert len(payment_sandbox.authorisations()) == 1


def test_the_public_key_cannot_authorise(payment_sandbox, browser, keys):
    browser_keyed = HttpPaymentGateway(
        base_url=payment_sandbox.base_url, secret_key=payment_sandbox.public_key
    )

    with pytest.raises(PaymentGatewayMisconfigured) as refused:
        browser_keyed.authorise(
            token=browser.tokenise(),
            amount=Decimal("10.00"),
            currency="GBP",
            reference="EA-1",
            idempotency_key=keys(),
        )

    assert refused.value.message == "Send the secret API key as a Bearer token."
    assert payment_sandbox.authorisations() == []


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        (Decimal("0.00"), "GBP", "amount must be positive, got 0.00"),
        (Decimal("-5"), "GBP", "amount must be positive, got -5"),
        (Decimal("1.005"), "GBP", "GBP amounts have at most 2 decimals, got 1.005"),
        (Decimal("10.5"), "JPY", "JPY amounts have at most 0 decimals, got 10.5"),
        (Decimal("NaN"), "GBP", "amount must be a finite Decimal, got Decimal('NaN')"),
        (10.5, "GBP", "amount must be a finite Decimal, got 10.5"),
        (Decimal("10"), "gbp", "currency must be an ISO 4217 code such as GBP, got 'gbp'"),
        (Decimal("10"), "XYZ", "currency must be an ISO 4217 code such as GBP, got 'XYZ'"),
    ],
)
def test_bad_amounts_and_currencies_are_refused_before_sending(
    gateway, browser, keys, payment_sandbox, amount, currency, message
):
    token = browser.tokenise()

    with pytest.raises(ValueError) as refused:
        gateway.authorise(
            token=token,
            amount=amount,
            currency=currency,
            reference="EA-1",
            idempotency_key=keys(),
        )

    assert str(refused.value) == message
    assert payment_sandbox.authorisations() == []
    assert payment_sandbox.state()["unused_tokens"] == 1


def test_the_sandbox_refuses_bad_amounts_itself(payment_sandbox, browser):
    """What a client that does not validate would get: a 422 naming the problem."""
    reply = call(
        "POST",
        f"{payment_sandbox.base_url}/v1/authorisations",
        headers={
            "Authorization": f"Bearer {payment_sandbox.secret_key}",
            "Idempotency-Key": "k-1",
        },
        body=(
            b'{"token": "%s", "amount": 12.5, "currency": "GBP", "reference": "EA-1"}'
            % browser.tokenise().encode()
        ),
    )

    assert reply.status == 422
    assert reply.json()["error"]["message"] == (
        'Give "amount" as a decimal string such as "12.50".'
    )
    assert payment_sandbox.authorisations() == []
