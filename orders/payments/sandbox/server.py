"""The sandbox gateway's HTTP API on loopback, served like the sandbox partners.

    POST /v1/tokens                              public key; from the browser (CORS)
    POST /v1/authorisations                      secret key + Idempotency-Key
    POST /v1/authorisations/{id}/capture         secret key + Idempotency-Key
    POST /v1/authorisations/{id}/void            secret key + Idempotency-Key
    POST /v1/authorisations/{id}/refunds         secret key + Idempotency-Key
    GET  /v1/authorisations/{id}                 secret key
    GET  /_sandbox/state, POST /_sandbox/reset, POST /_sandbox/release   (no key: loopback)

Keys go in `Authorization: Bearer …`. Amounts travel as decimal strings ("12.50"), never as
JSON numbers, so no float ever holds money. Errors are `{"error": {"type", "message"}}`, and a
refused card adds `"fields": {"number" | "expiry" | "cvc": message}`. The card number and CVC
are read from the body only and never logged or kept beyond the token's card in memory.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from email.message import Message
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from orders.payments.gateway import (
    idempotency_key_validate,
    payment_amount_validate,
    payment_currency_validate,
)
from orders.payments.sandbox.cards import CardInvalid, card_validate
from orders.payments.sandbox.ledger import Answer, Ledger, LedgerError
from partners.sandbox.http_io import (
    HttpError,
    Request,
    RequestHandler,
    Response,
    SandboxHTTPServer,
    json_response,
    match_route,
    route,
)

logger = logging.getLogger(__name__)

DEMO_PORT = 8350
# Public demo keys, like the sandbox partners' credentials: settings/base.py uses them as the
# demo's defaults, and production refuses them.
DEMO_PUBLIC_KEY = "pk_sandbox_endless_aisle_demo"
DEMO_SECRET_KEY = "sk_sandbox_endless_aisle_demo_not_secret"  # noqa: S105
# The longest the timeout card keeps its answer back when nobody releases it.
HOLD_MAX_SECONDS = 60.0
MAX_REFERENCE_LENGTH = 100
TICK_SECONDS = 0.05
CORS_MAX_AGE_SECONDS = 600


class _GatewayRequestHandler(RequestHandler):
    do_OPTIONS = RequestHandler.do_GET  # CORS preflights from the browser's card form


class PaymentSandbox:
    """The simulated gateway on its own loopback port; a context manager that stops it."""

    name = "payment-gateway"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        public_key: str = DEMO_PUBLIC_KEY,
        secret_key: str = DEMO_SECRET_KEY,
        allowed_origins: Iterable[str] = (),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if host not in {"127.0.0.1", "localhost"}:
            raise ValueError(f"The sandbox gateway only listens on loopback, not {host}.")
        self.public_key = public_key
        self.secret_key = secret_key
        self.allowed_origins = frozenset(allowed_origins)
        self.clock = clock
        self.ledger = Ledger(clock=lambda: self.clock())
        self._held: set[threading.Event] = set()
        self._held_lock = threading.Lock()
        self._http = SandboxHTTPServer((host, port), self)
        self._http.RequestHandlerClass = _GatewayRequestHandler
        self.base_url = f"http://{host}:{self._http.server_address[1]}"
        self._thread = threading.Thread(
            target=self._http.serve_forever, args=(TICK_SECONDS,), name="sandbox-gateway-http"
        )
        self._thread.daemon = True
        self._started = False
        self._routes = [
            route("POST", "/v1/tokens", None, self._token_create, public=True),
            route("OPTIONS", "/v1/tokens", None, self._preflight, public=True),
            route("POST", "/v1/authorisations", None, self._authorise),
            route("GET", "/v1/authorisations/{authorisation_id}", None, self._authorisation),
            route("POST", "/v1/authorisations/{authorisation_id}/capture", None, self._capture),
            route("POST", "/v1/authorisations/{authorisation_id}/void", None, self._void),
            route("POST", "/v1/authorisations/{authorisation_id}/refunds", None, self._refund),
            route("GET", "/_sandbox/state", None, lambda _: json_response(200, self.state())),
            route("POST", "/_sandbox/reset", None, self._control_reset),
            route("POST", "/_sandbox/release", None, self._control_release),
        ]

    # --- Lifecycle ---

    def start(self) -> Self:
        self._started = True
        self._thread.start()
        logger.info("sandbox payment gateway listening on %s", self.base_url)
        return self

    def stop(self) -> None:
        if self._started:
            self._http.shutdown()
            self._thread.join()
            self._started = False
        self.release_held()
        self._http.server_close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- Control (also served under /_sandbox/) ---

    def authorisations(self) -> list[dict[str, object]]:
        with self.ledger.lock:
            return [held.as_json() for held in self.ledger.authorisations.values()]

    def state(self) -> dict[str, Any]:
        with self.ledger.lock:
            unused_tokens = sum(card is not None for card in self.ledger.tokens.values())
            operations = list(self.ledger.operations)
        with self._held_lock:
            held = len(self._held)
        return {
            "unused_tokens": unused_tokens,
            "authorisations": self.authorisations(),
            "operations": operations,
            "held_answers": held,
        }

    def reset(self) -> None:
        self.release_held()
        self.ledger.reset()

    def release_held(self) -> int:
        """Let every answer the timeout card is keeping back go; how many there were."""
        with self._held_lock:
            held, self._held = self._held, set()
        for event in held:
            event.set()
        return len(held)

    def held_count(self) -> int:
        with self._held_lock:
            return len(self._held)

    # --- The Responder protocol (partners.sandbox.http_io) ---

    def respond(self, method: str, target: str, headers: Message, body: bytes) -> Response:
        parts = urlsplit(target)
        request = Request(method, parts.path, {}, headers, body, target=target)
        cors = self._cors_headers(request)
        try:
            matched, params = match_route(self._routes, method, parts.path)
            if matched.public and cors is None:
                raise _GatewayError(403, "origin_not_allowed", "This origin may not use the API.")
            if not matched.public and not parts.path.startswith("/_sandbox/"):
                self._require_key(request, self.secret_key, "secret")
            response = matched.handler(replace(request, params=params))
        except _GatewayError as error:
            response = _error(error.status, error.kind, error.message, fields=error.fields)
        except LedgerError as error:
            response = _error(error.status, error.kind, error.message)
        except HttpError as error:
            response = self.error_response(error)
        return replace(response, headers=(*response.headers, *(cors or ())))

    def error_response(self, error: HttpError) -> Response:
        response = _error(error.status, error.code or "invalid_request", error.message)
        return replace(response, headers=error.headers)

    # --- Browser endpoint ---

    def _cors_headers(self, request: Request) -> tuple[tuple[str, str], ...] | None:
        """CORS headers for the card form's origin; () for a caller that is not a browser
        (no Origin header); None for an origin that is not allowed."""
        origin = request.headers.get("Origin")
        if origin is None:
            return ()
        if origin not in self.allowed_origins:
            return None
        return (("Access-Control-Allow-Origin", origin), ("Vary", "Origin"))

    def _preflight(self, _: Request) -> Response:
        return Response(
            204,
            b"",
            "text/plain",
            (
                ("Access-Control-Allow-Methods", "POST"),
                ("Access-Control-Allow-Headers", "Authorization, Content-Type"),
                ("Access-Control-Max-Age", str(CORS_MAX_AGE_SECONDS)),
            ),
        )

    def _token_create(self, request: Request) -> Response:
        self._require_key(request, self.public_key, "public")
        try:
            card = card_validate(_object(request), today=self.clock().date())
        except CardInvalid as error:
            raise _GatewayError(422, "invalid_card", str(error), fields=error.fields) from None
        token = self.ledger.token_issue(card)
        return json_response(
            201,
            {
                "token": token,
                "brand": card.brand,
                "last4": card.last4,
                "exp_month": card.exp_month,
                "exp_year": card.exp_year,
            },
        )

    # --- Secret-key endpoints ---

    def _authorise(self, request: Request) -> Response:
        payload = _object(request)
        currency = _currency(payload)
        amount = _amount(payload, currency)
        token = payload.get("token")
        reference = payload.get("reference")
        if not isinstance(token, str) or not token:
            raise _GatewayError(422, "invalid_request", 'Give the card "token".')
        if not isinstance(reference, str) or not 0 < len(reference) <= MAX_REFERENCE_LENGTH:
            raise _GatewayError(
                422, "invalid_request", f'Give a "reference" of 1 to {MAX_REFERENCE_LENGTH} chars.'
            )
        return self._idempotent(
            request,
            lambda fingerprint: self.ledger.authorise(
                token=token,
                amount=amount,
                currency=currency,
                reference=reference,
                fingerprint=fingerprint,
            ),
        )

    def _authorisation(self, request: Request) -> Response:
        with self.ledger.lock:
            held = self.ledger.authorisations.get(request.params["authorisation_id"])
            if held is None:
                raise LedgerError(
                    404, "not_found", f"No authorisation {request.params['authorisation_id']}."
                )
            return json_response(200, held.as_json())

    def _capture(self, request: Request) -> Response:
        return self._with_amount(request, self.ledger.capture)

    def _void(self, request: Request) -> Response:
        return self._idempotent(
            request,
            lambda fingerprint: self.ledger.void(
                authorisation_id=request.params["authorisation_id"], fingerprint=fingerprint
            ),
        )

    def _refund(self, request: Request) -> Response:
        return self._with_amount(request, self.ledger.refund)

    def _with_amount(self, request: Request, operation: Callable[..., Answer]) -> Response:
        """A capture or refund: an amount in its authorisation's currency."""
        authorisation_id = request.params["authorisation_id"]
        with self.ledger.lock:
            held = self.ledger.authorisations.get(authorisation_id)
        if held is None:
            raise LedgerError(404, "not_found", f"No authorisation {authorisation_id}.")
        amount = _amount(_object(request), held.currency)
        return self._idempotent(
            request,
            lambda fingerprint: operation(
                authorisation_id=authorisation_id, amount=amount, fingerprint=fingerprint
            ),
        )

    def _idempotent(self, request: Request, operation: Callable[[str], Answer]) -> Response:
        key = request.headers.get("Idempotency-Key") or ""
        try:
            idempotency_key_validate(key)
        except ValueError as error:
            raise _GatewayError(400, "invalid_request", f"Idempotency-Key: {error}.") from None
        fingerprint = hashlib.sha256(
            f"{request.method} {request.path}\n".encode() + request.body
        ).hexdigest()
        answer, repeat = self.ledger.idempotent(key, fingerprint, lambda: operation(fingerprint))
        if answer.held and not repeat:
            self._hold()
        return Response(
            answer.status,
            json.dumps(answer.payload).encode(),
            "application/json",
            (("Idempotent-Replayed", "true"),) if repeat else (),
        )

    def _hold(self) -> None:
        """Keep this answer back until released, stopped or HOLD_MAX_SECONDS: the caller's
        read timeout fires while the gateway has already acted."""
        event = threading.Event()
        with self._held_lock:
            self._held.add(event)
        event.wait(HOLD_MAX_SECONDS)
        with self._held_lock:
            self._held.discard(event)

    def _require_key(self, request: Request, expected: str, kind: str) -> None:
        given = request.headers.get("Authorization", "")
        if given != f"Bearer {expected}":
            raise _GatewayError(
                401, "authentication_failed", f"Send the {kind} API key as a Bearer token."
            )

    def _control_reset(self, _: Request) -> Response:
        self.reset()
        return json_response(200, self.state())

    def _control_release(self, _: Request) -> Response:
        return json_response(200, {"released": self.release_held()})


class _GatewayError(Exception):
    def __init__(
        self, status: int, kind: str, message: str, *, fields: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message
        self.fields = fields


def _error(status: int, kind: str, message: str, *, fields: dict[str, str] | None = None):
    error: dict[str, object] = {"type": kind, "message": message}
    if fields:
        error["fields"] = fields
    return json_response(status, {"error": error})


def _object(request: Request) -> dict[str, Any]:
    payload = request.json()
    if not isinstance(payload, dict):
        raise _GatewayError(400, "invalid_request", "The body must be a JSON object.")
    return payload


def _currency(payload: dict[str, Any]) -> str:
    try:
        return payment_currency_validate(payload.get("currency"))
    except ValueError as error:
        raise _GatewayError(422, "invalid_request", str(error)) from None


def _amount(payload: dict[str, Any], currency: str) -> Decimal:
    value = payload.get("amount")
    try:
        if not isinstance(value, str):
            raise ValueError('Give "amount" as a decimal string such as "12.50".')
        return payment_amount_validate(Decimal(value), currency)
    except (ValueError, InvalidOperation) as error:
        message = str(error) if isinstance(error, ValueError) else f"Bad amount {value!r}."
        raise _GatewayError(422, "invalid_request", message) from None
