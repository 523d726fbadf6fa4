"""The HTTP client turns every way a gateway can fail into one clear error that says whether
the gateway may have acted on the call."""

import socket
from decimal import Decimal

import pytest

from orders.payments.gateway import PaymentGatewayUnavailable
from orders.payments.http_gateway import HttpPaymentGateway
from tests.orders.payments.canned import CannedServer, http_answer

MAX_BYTES = 1024


def void_through(base_url: str):
    client = HttpPaymentGateway(
        base_url=base_url, secret_key="sk_test", read_timeout=5, max_response_bytes=MAX_BYTES
    )
    with pytest.raises(PaymentGatewayUnavailable) as failed:
        client.void(authorisation_id="auth_1", idempotency_key="v-1")
    return failed.value


def test_an_unreachable_gateway_was_provably_not_called():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]

    error = void_through(f"http://127.0.0.1:{closed_port}")

    assert type(error) is PaymentGatewayUnavailable
    assert error.message == "The payment gateway could not be reached."
    assert error.may_have_been_received is False


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            http_answer(200, b"{}", length=MAX_BYTES + 1),
            f"The payment gateway's answer is larger than {MAX_BYTES} bytes.",
        ),
        (
            # No Content-Length to trust: the cap holds on what is actually read.
            b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b" " * (MAX_BYTES * 4),
            f"The payment gateway's answer is larger than {MAX_BYTES} bytes.",
        ),
        (http_answer(200, b"<html>oops</html>"), "The payment gateway's answer is not JSON."),
        (
            http_answer(200, b"[" * 50 + b"]" * 50),
            "The payment gateway's answer is not JSON.",
        ),
        (
            http_answer(200, b'{"id": "void_1"}'),
            "The payment gateway's answer is missing or has bad fields.",
        ),
        (http_answer(502, b"Bad gateway"), "The payment gateway answered 502."),
        (
            b"",  # the connection closed without a word
            "The connection to the payment gateway broke; it may have acted on the call.",
        ),
    ],
    ids=[
        "declared-too-large",
        "read-too-large",
        "not-json",
        "nested-too-deep",
        "missing-fields",
        "bad-gateway",
        "dropped",
    ],
)
def test_a_broken_answer_is_a_clear_error_that_may_have_been_acted_on(answer, message):
    with CannedServer(answer) as server:
        error = void_through(server.base_url)

    assert error.message == message
    assert error.may_have_been_received is True


def test_429_was_turned_away_before_acting():
    body = b'{"error": {"type": "rate_limited", "message": "Slow down."}}'
    with CannedServer(http_answer(429, body)) as server:
        error = void_through(server.base_url)

    assert (error.message, error.may_have_been_received) == ("Slow down.", False)


def test_a_gateway_error_message_is_cut_to_a_screenful():
    body = b'{"error": {"message": "%s"}}' % (b"x" * 900)
    with CannedServer(http_answer(500, body)) as server:
        error = void_through(server.base_url)

    assert error.message == "x" * 300


def test_the_client_never_shows_its_secret_key():
    client = HttpPaymentGateway(base_url="https://pay.example", secret_key="sk_live_abc")

    assert repr(client) == "HttpPaymentGateway(base_url='https://pay.example')"


def test_an_invalid_idempotency_key_is_refused_before_sending():
    client = HttpPaymentGateway(base_url="http://127.0.0.1:9", secret_key="sk")

    with pytest.raises(ValueError, match="idempotency key"):
        client.capture(authorisation_id="auth_1", amount=Decimal("1.00"), idempotency_key="a b")
