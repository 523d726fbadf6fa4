"""The payment gateway as the order pipeline sees it: four idempotent calls and what they return.

The browser posts the card to the gateway and our server only ever holds the token the gateway
gave it, the card's brand and last four digits, and amounts. Every call carries an idempotency
key: sending the same call again with the same key returns the first answer and never charges
twice, so a caller that lost an answer (a timeout, a crash) repeats the call with the same key.
"""

from __future__ import annotations

import enum
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pycountry

from catalog.money import currency_decimals

MAX_IDEMPOTENCY_KEY_LENGTH = 255
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII, no spaces


class AuthorisationStatus(enum.StrEnum):
    APPROVED = "approved"  # funds held: may be captured or voided
    DECLINED = "declined"  # the card issuer said no: nothing held
    REVIEW = "review"  # held by the gateway's risk check: may only be voided
    CAPTURED = "captured"
    VOIDED = "voided"


@dataclass(frozen=True)
class Authorisation:
    """The gateway's answer to `authorise`, and its record of one authorisation since."""

    authorisation_id: str
    status: AuthorisationStatus
    amount: Decimal
    currency: str
    reference: str
    brand: str
    last4: str
    expires_at: datetime | None  # None once nothing is held (declined, voided)
    captured_amount: Decimal
    refunded_amount: Decimal
    decline_code: str = ""
    message: str = ""

    def require_approved(self) -> Authorisation:
        """This authorisation if approved; PaymentDeclined or PaymentNeedsReview otherwise."""
        if self.status is AuthorisationStatus.DECLINED:
            raise PaymentDeclined(self)
        if self.status is AuthorisationStatus.REVIEW:
            raise PaymentNeedsReview(self)
        return self


class PaymentOperationKind(enum.StrEnum):
    CAPTURE = "capture"
    VOID = "void"
    REFUND = "refund"


@dataclass(frozen=True)
class PaymentOperation:
    """A capture, void or refund done, with the authorisation's totals after it."""

    operation_id: str
    kind: PaymentOperationKind
    authorisation_id: str
    amount: Decimal  # what this operation moved; for a void, what it released
    currency: str
    authorisation_status: AuthorisationStatus
    captured_amount: Decimal
    refunded_amount: Decimal


class PaymentError(Exception):
    """A gateway call that did not do what was asked. `message` is fit for a manager's screen:
    it never holds a key, a token or card data."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PaymentDeclined(PaymentError):
    def __init__(self, authorisation: Authorisation) -> None:
        super().__init__(
            f"The card was declined ({authorisation.decline_code or 'no reason given'})."
        )
        self.authorisation = authorisation


class PaymentNeedsReview(PaymentError):
    def __init__(self, authorisation: Authorisation) -> None:
        super().__init__("The gateway's risk check holds this payment for review.")
        self.authorisation = authorisation


class PaymentRequestInvalid(PaymentError):
    """The gateway refused the request as given (bad amount, currency or token, a key reused
    for another request): sending it again will not help."""


class PaymentNotAllowed(PaymentError):
    """Not allowed in the authorisation's state: capture after void, refund above captured…"""


class PaymentNotFound(PaymentError):
    """The gateway knows no such authorisation."""


class PaymentGatewayMisconfigured(PaymentError):
    """The gateway refused our API key: a setting to fix, not a payment problem."""


class PaymentGatewayUnavailable(PaymentError):
    """No usable answer: unreachable, a 5xx, a broken connection or an unreadable answer.

    `may_have_been_received` says whether the gateway may have acted on the call. Either way
    the same call with the same idempotency key is safe to send again; when it is False the
    gateway provably never saw it."""

    def __init__(self, message: str, *, may_have_been_received: bool) -> None:
        super().__init__(message)
        self.may_have_been_received = may_have_been_received


class PaymentGatewayTimeout(PaymentGatewayUnavailable):
    pass


def payment_currency_validate(currency: str) -> str:
    """`currency` if it is an ISO 4217 code in capitals; ValueError otherwise."""
    if (
        not isinstance(currency, str)
        or currency != currency.upper()
        or pycountry.currencies.get(alpha_3=currency) is None
    ):
        raise ValueError(f"currency must be an ISO 4217 code such as GBP, got {currency!r}")
    return currency


def payment_amount_validate(amount: Decimal, currency: str) -> Decimal:
    """`amount` if it is a positive Decimal with no more decimals than `currency` has."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValueError(f"amount must be a finite Decimal, got {amount!r}")
    if amount <= 0:
        raise ValueError(f"amount must be positive, got {amount}")
    decimals = currency_decimals(currency)
    if amount != amount.quantize(Decimal(1).scaleb(-decimals)):
        raise ValueError(f"{currency} amounts have at most {decimals} decimals, got {amount}")
    return amount


def idempotency_key_validate(key: str) -> str:
    if (
        not isinstance(key, str)
        or len(key) > MAX_IDEMPOTENCY_KEY_LENGTH
        or not _IDEMPOTENCY_KEY.match(key)
    ):
        raise ValueError(
            f"an idempotency key is 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII "
            "characters without spaces"
        )
    return key


class PaymentGateway(ABC):
    """A card gateway. Implementations validate their arguments before sending anything
    (ValueError) and raise the PaymentError types above for what the gateway answers."""

    @abstractmethod
    def authorise(
        self,
        *,
        token: str,
        amount: Decimal,
        currency: str,
        reference: str,
        idempotency_key: str,
    ) -> Authorisation:
        """Hold `amount` on the card behind the single-use `token`. Returns the authorisation
        whatever the issuer said (approved, declined or review): a declined one is a record
        to keep too. `require_approved()` turns the last two into errors."""

    @abstractmethod
    def capture(
        self, *, authorisation_id: str, amount: Decimal, idempotency_key: str
    ) -> PaymentOperation:
        """Take up to the authorised amount, once; what is not captured is released."""

    @abstractmethod
    def void(self, *, authorisation_id: str, idempotency_key: str) -> PaymentOperation:
        """Release an authorisation that was not captured."""

    @abstractmethod
    def refund(
        self, *, authorisation_id: str, amount: Decimal, idempotency_key: str
    ) -> PaymentOperation:
        """Give back part or all of what was captured; refunds add up to at most that."""
