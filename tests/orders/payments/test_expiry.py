"""Authorisations expire: the caller sees when, and the gateway refuses a late capture."""

from datetime import UTC, datetime, timedelta

import pytest

from orders.payments.gateway import PaymentNotAllowed

AUTHORISED_AT = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)


@pytest.fixture
def gateway_clock(payment_sandbox, monkeypatch):
    """The sandbox's clock, set by the test: `gateway_clock.now = …`."""

    class Clock:
        now = AUTHORISED_AT

    monkeypatch.setattr(payment_sandbox, "clock", lambda: Clock.now)
    return Clock


def test_an_authorisation_says_when_it_expires(authorised, gateway_clock):
    authorisation = authorised("50.00")

    assert authorisation.expires_at == AUTHORISED_AT + timedelta(days=7)


def test_a_capture_after_expiry_is_refused(pay, authorised, gateway_clock, payment_sandbox):
    authorisation = authorised("50.00")
    gateway_clock.now = AUTHORISED_AT + timedelta(days=7)

    with pytest.raises(PaymentNotAllowed) as refused:
        pay.capture(authorisation, "50.00")

    assert refused.value.message == ("The authorisation expired at 2026-03-09T10:30:00+00:00.")
    assert payment_sandbox.authorisations()[0]["status"] == "approved"


def test_a_capture_just_before_expiry_goes_through(pay, authorised, gateway_clock):
    authorisation = authorised("50.00")
    gateway_clock.now = AUTHORISED_AT + timedelta(days=7, seconds=-1)

    assert pay.capture(authorisation, "50.00").captured_amount == 50
