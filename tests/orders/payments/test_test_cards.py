"""Each documented test card does what docs/payments.md says it does."""

from decimal import Decimal

import pytest

from orders.payments.gateway import (
    AuthorisationStatus,
    PaymentDeclined,
    PaymentGatewayTimeout,
    PaymentGatewayUnavailable,
    PaymentNeedsReview,
    PaymentNotAllowed,
)
from orders.payments.http_gateway import HttpPaymentGateway
from orders.payments.sandbox.cards import TEST_CARDS, CardBehaviour, luhn_valid
from tests.conftest import REPO


def test_every_test_card_passes_the_card_checks(browser):
    for card in TEST_CARDS:
        assert luhn_valid(card.number), card.number
        assert browser.post_card(card.number).status == 201, card.number


@pytest.mark.parametrize(
    ("number", "brand"),
    [("4242424242424242", "visa"), ("5555555555554444", "mastercard"), ("378282246310005", "amex")],
)
def test_the_approving_cards_are_approved(authorised, number, brand):
    authorisation = authorised("12.00", number=number)

    assert authorisation.status is AuthorisationStatus.APPROVED
    assert (authorisation.brand, authorisation.last4) == (brand, number[-4:])


@pytest.mark.parametrize(
    ("number", "decline_code"),
    [("4000000000000002", "card_declined"), ("4000000000009995", "insufficient_funds")],
)
def test_the_declining_cards_are_declined_and_hold_nothing(pay, authorised, number, decline_code):
    authorisation = authorised("12.00", number=number)

    assert authorisation.status is AuthorisationStatus.DECLINED
    assert authorisation.decline_code == decline_code
    assert authorisation.expires_at is None
    with pytest.raises(PaymentDeclined) as declined:
        authorisation.require_approved()
    assert declined.value.message == f"The card was declined ({decline_code})."
    with pytest.raises(PaymentNotAllowed):
        pay.capture(authorisation, "12.00")


def test_the_review_card_is_held_and_may_only_be_voided(pay, authorised):
    authorisation = authorised("12.00", number="4000000000000101")

    assert authorisation.status is AuthorisationStatus.REVIEW
    with pytest.raises(PaymentNeedsReview):
        authorisation.require_approved()
    with pytest.raises(PaymentNotAllowed) as refused:
        pay.capture(authorisation, "12.00")
    assert refused.value.message == (
        "The authorisation cannot be captured: it is held for review (it may only be voided)."
    )
    void = pay.void(authorisation)
    assert void.authorisation_status is AuthorisationStatus.VOIDED


def test_the_failing_card_is_a_gateway_error_that_holds_nothing(
    pay, gateway, browser, payment_sandbox
):
    token = browser.tokenise("4000000000000119")

    for _ in range(2):  # the same key again fails again: a 5xx is not remembered
        with pytest.raises(PaymentGatewayUnavailable) as failed:
            pay.authorise(token, "12.00", key="po-5-authorise", reference="EA-1")
        assert failed.value.message == "The gateway failed to process the payment."
        assert failed.value.may_have_been_received is True
    assert payment_sandbox.authorisations() == []


def test_the_timeout_card_times_out_after_the_gateway_acted_and_a_retry_is_safe(
    payment_sandbox, browser, gateway
):
    """The sandbox keeps the first answer back until released, so the client's read timeout
    is the only clock in play: no race between two time bounds."""
    impatient = HttpPaymentGateway(
        base_url=payment_sandbox.base_url,
        secret_key=payment_sandbox.secret_key,
        read_timeout=0.3,
    )
    request = {
        "token": browser.tokenise("4000000000000127"),
        "amount": Decimal("12.00"),
        "currency": "GBP",
        "reference": "EA-1",
        "idempotency_key": "po-6-authorise",
    }

    with pytest.raises(PaymentGatewayTimeout) as timed_out:
        impatient.authorise(**request)
    retried = gateway.authorise(**request)

    assert timed_out.value.may_have_been_received is True
    assert timed_out.value.message == (
        "The payment gateway did not answer in time; it may have acted on the call."
    )
    assert retried.status is AuthorisationStatus.APPROVED
    assert [a["id"] for a in payment_sandbox.authorisations()] == [retried.authorisation_id]
    assert payment_sandbox.release_held() == 1


def test_the_behaviours_documented_are_the_behaviours_served():
    documented = (REPO / "docs" / "payments.md").read_text()

    for card in TEST_CARDS:
        assert card.number in documented.replace(" ", ""), card.number
    assert {card.behaviour for card in TEST_CARDS} == set(CardBehaviour)
