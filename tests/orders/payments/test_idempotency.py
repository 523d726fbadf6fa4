"""The same idempotency key gives the same answer and never a second charge."""

import threading
from decimal import Decimal

import pytest

from orders.payments.gateway import PaymentRequestInvalid


def test_authorising_twice_with_one_key_holds_one_authorisation(gateway, browser, payment_sandbox):
    token = browser.tokenise()
    request = {
        "token": token,
        "amount": Decimal("25.00"),
        "currency": "GBP",
        "reference": "EA-1",
        "idempotency_key": "order-7-authorise",
    }

    first = gateway.authorise(**request)
    again = gateway.authorise(**request)

    assert again == first
    assert [a["id"] for a in payment_sandbox.authorisations()] == [first.authorisation_id]


def test_concurrent_repeats_of_one_key_hold_one_authorisation(pay, browser, payment_sandbox):
    token = browser.tokenise()
    results, start = [], threading.Barrier(4, timeout=30)

    def authorise() -> None:
        start.wait()
        results.append(pay.authorise(token, "25.00", key="order-8-authorise", reference="EA-1"))

    threads = [threading.Thread(target=authorise) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 4
    assert len({result.authorisation_id for result in results}) == 1
    assert len(payment_sandbox.authorisations()) == 1


def test_a_key_reused_for_another_request_is_refused(pay, browser, payment_sandbox):
    pay.authorise(browser.tokenise(), "25.00", key="order-9", reference="EA-1")

    with pytest.raises(PaymentRequestInvalid) as refused:
        pay.authorise(browser.tokenise(), "30.00", key="order-9", reference="EA-2")

    assert refused.value.message == (
        "This Idempotency-Key was already used for a different request."
    )
    assert len(payment_sandbox.authorisations()) == 1


def test_capturing_twice_with_one_key_captures_once(pay, authorised, payment_sandbox):
    authorisation = authorised("50.00")

    first = pay.capture(authorisation, "50.00", "po-1-capture")
    again = pay.capture(authorisation, "50.00", "po-1-capture")

    assert again == first
    assert len(payment_sandbox.state()["operations"]) == 1


def test_refunding_twice_with_one_key_refunds_once(pay, authorised, payment_sandbox):
    authorisation = authorised("50.00")
    pay.capture(authorisation, "50.00")

    for _ in range(2):
        refund = pay.refund(authorisation, "20.00", "po-1-refund-line-2")

    assert refund.refunded_amount == Decimal("20.00")
    assert payment_sandbox.authorisations()[0]["refunded_amount"] == "20.00"


def test_voiding_twice_with_one_key_answers_the_same(pay, authorised):
    authorisation = authorised("50.00")

    first = pay.void(authorisation, "v-1")
    again = pay.void(authorisation, "v-1")

    assert again == first


def test_a_refused_call_is_not_remembered_under_its_key(pay, gateway, authorised, payment_sandbox):
    """A refusal changes nothing, so the same key may carry the call once it is allowed."""
    authorisation = authorised("50.00")
    refund = {
        "authorisation_id": authorisation.authorisation_id,
        "amount": Decimal("10.00"),
        "idempotency_key": "po-2-refund",
    }
    with pytest.raises(Exception, match="Only a captured payment can be refunded"):
        gateway.refund(**refund)
    pay.capture(authorisation, "50.00", "po-2-capture")

    assert gateway.refund(**refund).refunded_amount == Decimal("10.00")
