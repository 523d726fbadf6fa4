"""What the sandbox gateway holds, in memory: single-use tokens, authorisations and what was
done to them, and the first answer to every idempotency key.

One lock covers each whole operation, so two requests with the same key (or on the same
authorisation) arriving together are served one after the other: the second gets the first's
answer. All of it is lost when the server stops, as the sandbox partners' orders are.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from orders.payments.gateway import AuthorisationStatus
from orders.payments.sandbox.cards import Card, CardBehaviour

AUTHORISATION_VALIDITY = timedelta(days=7)


class LedgerError(Exception):
    """A refusal, with the HTTP status and error type the server answers it with."""

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message


@dataclass
class HeldAuthorisation:
    id: str
    status: AuthorisationStatus
    amount: Decimal
    currency: str
    reference: str
    brand: str
    last4: str
    behaviour: CardBehaviour
    created_at: datetime
    expires_at: datetime | None
    captured_amount: Decimal = Decimal(0)
    refunded_amount: Decimal = Decimal(0)
    decline_code: str = ""
    message: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "status": self.status.value,
            "amount": str(self.amount),
            "currency": self.currency,
            "reference": self.reference,
            "brand": self.brand,
            "last4": self.last4,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "captured_amount": str(self.captured_amount),
            "refunded_amount": str(self.refunded_amount),
            "decline_code": self.decline_code,
            "message": self.message,
        }


@dataclass(frozen=True)
class Answer:
    """A stored answer: what a repeat of the same idempotency key gets back."""

    status: int
    payload: dict[str, object]
    fingerprint: str
    held: bool = False  # the first answer is kept back (the timeout card); repeats are not


_DECLINE_CODES = {
    CardBehaviour.DECLINE: "card_declined",
    CardBehaviour.INSUFFICIENT_FUNDS: "insufficient_funds",
}


@dataclass
class Ledger:
    clock: Callable[[], datetime]
    tokens: dict[str, Card | None] = field(default_factory=dict)  # None: used
    authorisations: dict[str, HeldAuthorisation] = field(default_factory=dict)
    operations: list[dict[str, object]] = field(default_factory=list)
    answers: dict[str, Answer] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.tokens.clear()
            self.authorisations.clear()
            self.operations.clear()
            self.answers.clear()

    def token_issue(self, card: Card) -> str:
        token = f"tok_{secrets.token_urlsafe(18)}"
        with self.lock:
            self.tokens[token] = card
        return token

    def idempotent(
        self, key: str, fingerprint: str, operation: Callable[[], Answer]
    ) -> tuple[Answer, bool]:
        """The answer stored under `key`, or `operation`'s (stored unless it failed); and
        whether it is a repeat. The same key for another request is refused."""
        with self.lock:
            stored = self.answers.get(key)
            if stored is not None:
                if stored.fingerprint != fingerprint:
                    raise LedgerError(
                        422,
                        "idempotency_key_reused",
                        "This Idempotency-Key was already used for a different request.",
                    )
                return stored, True
            answer = operation()
            self.answers[key] = answer
            return answer, False

    # The operations below run inside `idempotent`, under the lock.

    def authorise(
        self, *, token: str, amount: Decimal, currency: str, reference: str, fingerprint: str
    ) -> Answer:
        if token not in self.tokens:
            raise LedgerError(422, "invalid_token", "No such card token.")
        card = self.tokens[token]
        if card is None:
            raise LedgerError(422, "invalid_token", "This card token was already used.")
        if card.behaviour is CardBehaviour.GATEWAY_ERROR:
            # Nothing held and the token kept: like a real outage, trying again fails again.
            raise LedgerError(500, "gateway_error", "The gateway failed to process the payment.")
        self.tokens[token] = None
        now = self.clock()
        authorisation = HeldAuthorisation(
            id=f"auth_{secrets.token_hex(8)}",
            status=AuthorisationStatus.APPROVED,
            amount=amount,
            currency=currency,
            reference=reference,
            brand=card.brand,
            last4=card.last4,
            behaviour=card.behaviour,
            created_at=now,
            expires_at=now + AUTHORISATION_VALIDITY,
        )
        if decline_code := _DECLINE_CODES.get(card.behaviour):
            authorisation.status = AuthorisationStatus.DECLINED
            authorisation.expires_at = None
            authorisation.decline_code = decline_code
            authorisation.message = "The card issuer declined the payment."
        elif card.behaviour is CardBehaviour.REVIEW:
            authorisation.status = AuthorisationStatus.REVIEW
            authorisation.message = "Held by the gateway's risk check: it may only be voided."
        self.authorisations[authorisation.id] = authorisation
        return Answer(
            201,
            authorisation.as_json(),
            fingerprint,
            held=card.behaviour is CardBehaviour.TIMEOUT,
        )

    def capture(self, *, authorisation_id: str, amount: Decimal, fingerprint: str) -> Answer:
        authorisation = self._held(authorisation_id)
        if authorisation.status is not AuthorisationStatus.APPROVED:
            raise self._state_refusal(authorisation, "captured")
        if authorisation.expires_at is not None and self.clock() >= authorisation.expires_at:
            raise LedgerError(
                409,
                "authorisation_expired",
                f"The authorisation expired at {authorisation.expires_at.isoformat()}.",
            )
        if amount > authorisation.amount:
            raise LedgerError(
                409,
                "amount_too_large",
                f"Cannot capture {amount}: only {authorisation.amount} was authorised.",
            )
        authorisation.status = AuthorisationStatus.CAPTURED
        authorisation.captured_amount = amount
        authorisation.expires_at = None
        return self._operation("capture", authorisation, amount, fingerprint)

    def void(self, *, authorisation_id: str, fingerprint: str) -> Answer:
        authorisation = self._held(authorisation_id)
        if authorisation.status not in {AuthorisationStatus.APPROVED, AuthorisationStatus.REVIEW}:
            raise self._state_refusal(authorisation, "voided")
        authorisation.status = AuthorisationStatus.VOIDED
        authorisation.expires_at = None
        return self._operation("void", authorisation, authorisation.amount, fingerprint)

    def refund(self, *, authorisation_id: str, amount: Decimal, fingerprint: str) -> Answer:
        authorisation = self._held(authorisation_id)
        if authorisation.status is not AuthorisationStatus.CAPTURED:
            raise LedgerError(
                409,
                "not_captured",
                f"Only a captured payment can be refunded; this one is {authorisation.status}.",
            )
        refundable = authorisation.captured_amount - authorisation.refunded_amount
        if amount > refundable:
            raise LedgerError(
                409,
                "amount_too_large",
                f"Cannot refund {amount}: {refundable} of the {authorisation.captured_amount} "
                "captured is left to refund.",
            )
        authorisation.refunded_amount += amount
        return self._operation("refund", authorisation, amount, fingerprint)

    def _held(self, authorisation_id: str) -> HeldAuthorisation:
        authorisation = self.authorisations.get(authorisation_id)
        if authorisation is None:
            raise LedgerError(404, "not_found", f"No authorisation {authorisation_id}.")
        return authorisation

    @staticmethod
    def _state_refusal(authorisation: HeldAuthorisation, wanted: str) -> LedgerError:
        reasons = {
            AuthorisationStatus.DECLINED: "it was declined",
            AuthorisationStatus.REVIEW: "it is held for review (it may only be voided)",
            AuthorisationStatus.CAPTURED: "it was already captured (refund it instead)",
            AuthorisationStatus.VOIDED: "it was voided",
        }
        return LedgerError(
            409,
            f"authorisation_{authorisation.status.value}",
            f"The authorisation cannot be {wanted}: {reasons[authorisation.status]}.",
        )

    def _operation(
        self, kind: str, authorisation: HeldAuthorisation, amount: Decimal, fingerprint: str
    ) -> Answer:
        operation = {
            "id": f"{kind[:3]}_{secrets.token_hex(8)}",
            "kind": kind,
            "authorisation_id": authorisation.id,
            "amount": str(amount),
            "currency": authorisation.currency,
            "authorisation": authorisation.as_json(),
        }
        self.operations.append(operation)
        return Answer(200, operation, fingerprint)
