"""`HttpPaymentGateway`: the PaymentGateway over a gateway's HTTP API (the sandbox's, see
orders/payments/sandbox/server.py, is the contract), authenticated with the secret API key.

Every call has a connect and a read timeout, a cap on the answer's size, JSON parsed with a
bound on nesting, and one log line: operation, outcome, latency. Never the key, the token, an
amount or the gateway's answer. urllib3 never retries on its own: the caller repeats a call
with the same idempotency key, which the gateway answers without acting twice.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import certifi
import urllib3
from django.conf import settings
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ReadTimeoutError,
    SSLError,
)

from orders.payments.gateway import (
    Authorisation,
    AuthorisationStatus,
    PaymentError,
    PaymentGateway,
    PaymentGatewayMisconfigured,
    PaymentGatewayTimeout,
    PaymentGatewayUnavailable,
    PaymentNotAllowed,
    PaymentNotFound,
    PaymentOperation,
    PaymentOperationKind,
    PaymentRequestInvalid,
    idempotency_key_validate,
    payment_amount_validate,
    payment_currency_validate,
)
from partners.bounded_json import json_loads_bounded

logger = logging.getLogger(__name__)

MAX_ANSWER_DEPTH = 8
MAX_MESSAGE_CHARACTERS = 300
_CLIENT_ERRORS: dict[int, type[PaymentError]] = {
    400: PaymentRequestInvalid,
    401: PaymentGatewayMisconfigured,
    403: PaymentGatewayMisconfigured,
    404: PaymentNotFound,
    409: PaymentNotAllowed,
    422: PaymentRequestInvalid,
}


class HttpPaymentGateway(PaymentGateway):
    def __init__(
        self,
        *,
        base_url: str,
        secret_key: str,
        connect_timeout: float = 3.0,
        read_timeout: float = 15.0,
        max_response_bytes: int = 64 * 1024,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._secret_key = secret_key
        self._timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self._max_response_bytes = max_response_bytes
        self._pool = urllib3.PoolManager(
            retries=False, cert_reqs="CERT_REQUIRED", ca_certs=certifi.where()
        )

    def __repr__(self) -> str:  # the secret key stays out of tracebacks and debug pages
        return f"HttpPaymentGateway(base_url={self.base_url!r})"

    def authorise(
        self,
        *,
        token: str,
        amount: Decimal,
        currency: str,
        reference: str,
        idempotency_key: str,
    ) -> Authorisation:
        payment_currency_validate(currency)
        payment_amount_validate(amount, currency)
        if not isinstance(token, str) or not token:
            raise ValueError("token must be the card token the gateway gave the browser")
        if not isinstance(reference, str) or not reference:
            raise ValueError("reference must be our reference for the payment")
        payload = self._post(
            "authorise",
            "/v1/authorisations",
            {"token": token, "amount": str(amount), "currency": currency, "reference": reference},
            idempotency_key,
        )
        return _readable(_authorisation, payload)

    def capture(
        self, *, authorisation_id: str, amount: Decimal, idempotency_key: str
    ) -> PaymentOperation:
        return self._operation(
            PaymentOperationKind.CAPTURE, authorisation_id, amount, idempotency_key
        )

    def void(self, *, authorisation_id: str, idempotency_key: str) -> PaymentOperation:
        return self._operation(PaymentOperationKind.VOID, authorisation_id, None, idempotency_key)

    def refund(
        self, *, authorisation_id: str, amount: Decimal, idempotency_key: str
    ) -> PaymentOperation:
        return self._operation(
            PaymentOperationKind.REFUND, authorisation_id, amount, idempotency_key
        )

    def _operation(
        self,
        kind: PaymentOperationKind,
        authorisation_id: str,
        amount: Decimal | None,
        idempotency_key: str,
    ) -> PaymentOperation:
        if not isinstance(authorisation_id, str) or not authorisation_id:
            raise ValueError("authorisation_id must be the gateway's authorisation id")
        if amount is not None and (not isinstance(amount, Decimal) or amount <= 0):
            raise ValueError(f"amount must be a positive Decimal, got {amount!r}")
        suffix = {
            PaymentOperationKind.CAPTURE: "capture",
            PaymentOperationKind.VOID: "void",
            PaymentOperationKind.REFUND: "refunds",
        }[kind]
        payload = self._post(
            kind.value,
            f"/v1/authorisations/{quote(authorisation_id, safe='')}/{suffix}",
            {} if amount is None else {"amount": str(amount)},
            idempotency_key,
        )
        return _readable(_payment_operation, payload)

    def _post(
        self, operation: str, path: str, body: dict[str, str], idempotency_key: str
    ) -> dict[str, Any]:
        idempotency_key_validate(idempotency_key)
        started = time.monotonic()
        outcome = "error"
        try:
            status, payload = self._send(path, json.dumps(body).encode(), idempotency_key)
            outcome = str(status)
        except PaymentGatewayUnavailable as error:
            outcome = type(error).__name__
            raise
        finally:
            logger.info(
                "payment gateway %s: %s in %.0f ms",
                operation,
                outcome,
                (time.monotonic() - started) * 1000,
            )
        if 200 <= status < 300:
            return payload
        message = _error_message(payload, status)
        if status in _CLIENT_ERRORS:
            raise _CLIENT_ERRORS[status](message)
        # 429 means the gateway turned the call away before acting on it.
        raise PaymentGatewayUnavailable(message, may_have_been_received=status != 429)

    def _send(self, path: str, body: bytes, idempotency_key: str) -> tuple[int, Any]:
        try:
            response = self._pool.request(
                "POST",
                self.base_url + path,
                body=body,
                headers={
                    "Authorization": f"Bearer {self._secret_key}",
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                    "Idempotency-Key": idempotency_key,
                },
                timeout=self._timeout,
                preload_content=False,
                redirect=False,
            )
            try:
                data = self._body(response)
            finally:
                response.release_conn()
        except NewConnectionError as error:  # a ConnectTimeoutError too: caught first
            raise PaymentGatewayUnavailable(
                "The payment gateway could not be reached.", may_have_been_received=False
            ) from error
        except ConnectTimeoutError as error:
            raise PaymentGatewayTimeout(
                "The payment gateway did not accept the connection in time.",
                may_have_been_received=False,
            ) from error
        except ReadTimeoutError as error:
            raise PaymentGatewayTimeout(
                "The payment gateway did not answer in time; it may have acted on the call.",
                may_have_been_received=True,
            ) from error
        except SSLError as error:
            raise PaymentGatewayUnavailable(
                "The payment gateway's TLS connection failed.", may_have_been_received=False
            ) from error
        except HTTPError as error:
            raise PaymentGatewayUnavailable(
                "The connection to the payment gateway broke; it may have acted on the call.",
                may_have_been_received=True,
            ) from error
        try:
            payload = json_loads_bounded(data, max_depth=MAX_ANSWER_DEPTH) if data else None
        except ValueError:
            payload = None
        if payload is None and 200 <= response.status < 300:
            raise _unreadable("The payment gateway's answer is not JSON.")
        return response.status, payload

    def _body(self, response: urllib3.BaseHTTPResponse) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self._max_response_bytes:
            response.close()
            raise _too_large(self._max_response_bytes)
        data = response.read(self._max_response_bytes + 1)
        if len(data) > self._max_response_bytes:
            response.close()
            raise _too_large(self._max_response_bytes)
        return data


def payment_gateway() -> HttpPaymentGateway:
    """The gateway the settings configure (PAYMENT_GATEWAY_* environment variables)."""
    return HttpPaymentGateway(
        base_url=settings.PAYMENT_GATEWAY_URL,
        secret_key=settings.PAYMENT_GATEWAY_SECRET_KEY,
        connect_timeout=settings.PAYMENT_GATEWAY_CONNECT_TIMEOUT_SECONDS,
        read_timeout=settings.PAYMENT_GATEWAY_READ_TIMEOUT_SECONDS,
    )


def _unreadable(message: str) -> PaymentGatewayUnavailable:
    # It answered, so it may have acted: the caller repeats the call with the same key.
    return PaymentGatewayUnavailable(message, may_have_been_received=True)


def _too_large(limit: int) -> PaymentGatewayUnavailable:
    return _unreadable(f"The payment gateway's answer is larger than {limit} bytes.")


def _error_message(payload: Any, status: int) -> str:
    error = payload.get("error") if isinstance(payload, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    if not isinstance(message, str) or not message:
        return f"The payment gateway answered {status}."
    return message[:MAX_MESSAGE_CHARACTERS]


def _readable(parse, payload: Any):
    try:
        return parse(payload)
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError):
        raise _unreadable("The payment gateway's answer is missing or has bad fields.") from None


def _authorisation(payload: dict[str, Any]) -> Authorisation:
    expires_at = payload["expires_at"]
    return Authorisation(
        authorisation_id=_text(payload, "id"),
        status=AuthorisationStatus(payload["status"]),
        amount=_decimal(payload, "amount"),
        currency=payment_currency_validate(payload["currency"]),
        reference=_text(payload, "reference"),
        brand=_text(payload, "brand"),
        last4=_text(payload, "last4"),
        expires_at=None if expires_at is None else datetime.fromisoformat(expires_at),
        captured_amount=_decimal(payload, "captured_amount"),
        refunded_amount=_decimal(payload, "refunded_amount"),
        decline_code=payload.get("decline_code") or "",
        message=payload.get("message") or "",
    )


def _payment_operation(payload: dict[str, Any]) -> PaymentOperation:
    authorisation = _authorisation(payload["authorisation"])
    return PaymentOperation(
        operation_id=_text(payload, "id"),
        kind=PaymentOperationKind(payload["kind"]),
        authorisation_id=authorisation.authorisation_id,
        amount=_decimal(payload, "amount"),
        currency=authorisation.currency,
        authorisation_status=authorisation.status,
        captured_amount=authorisation.captured_amount,
        refunded_amount=authorisation.refunded_amount,
    )


def _text(payload: dict[str, Any], name: str) -> str:
    value = payload[name]
    if not isinstance(value, str):
        raise TypeError(name)
    return value


def _decimal(payload: dict[str, Any], name: str) -> Decimal:
    value = Decimal(_text(payload, name))
    if not value.is_finite():
        raise ValueError(name)
    return value
