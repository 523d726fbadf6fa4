"""Why a partner call failed, as exception types the catalogue and the order pipeline can act on.

Each type maps to one `PartnerCall.Outcome`, so the row written for an attempt and the error the
caller sees always agree. Messages are written for a merchandiser's screen: they say what went
wrong in plain words and never contain a URL's query string, a header, a body or a credential.

Every error also says whether the request may have reached the partner (`delivery`):
    NOT_SENT   provably never sent: no byte of it was written (refused or timed-out connection,
               DNS, TLS handshake, SSRF guard, circuit open, no slot, no token, bad credentials)
    UNKNOWN    some of it was written and no complete answer came (read timeout, connection
               broken, the attempt's deadline hit while waiting, a redirected write)
    ANSWERED   the partner sent a complete HTTP answer (4xx, 5xx, 429, a body too large)
The order pipeline sends a NOT_SENT order again and an UNKNOWN one of a partner that cannot
recognise a repeat to review, so the client decides it from what it wrote, never by guessing
from an exception type (see ADR 0010).
"""

from __future__ import annotations

from typing import Any, ClassVar

from partners.models import PartnerCall

Delivery = PartnerCall.Delivery


class PartnerCallError(Exception):
    """A partner call that did not produce a response the caller can use.

    `transient` says the same request may succeed if sent again (the retry policy reads it);
    `partner_failure` says the failure tells us the partner is unhealthy (the circuit breaker
    counts it). A 404 or a bad API key is neither: the partner is up and answered.
    `delivery` (see the module docstring) defaults to ANSWERED when there is a status code and
    to UNKNOWN otherwise: whoever knows that nothing was sent says NOT_SENT.
    """

    outcome: ClassVar[str]
    partner_failure: ClassVar[bool] = False
    default_delivery: ClassVar[Delivery | None] = None

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        partner: str,
        status_code: int | None = None,
        transient: bool = False,
        delivery: Delivery | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.partner = partner
        self.status_code = status_code
        self.transient = transient
        self.delivery = (
            delivery
            or self.default_delivery
            or (Delivery.ANSWERED if status_code is not None else Delivery.UNKNOWN)
        )


class PartnerTimeout(PartnerCallError):
    outcome = PartnerCall.Outcome.TIMEOUT
    partner_failure = True


class PartnerUnavailable(PartnerCallError):
    """Could not connect, the connection broke, or the partner answered 5xx."""

    outcome = PartnerCall.Outcome.UNAVAILABLE
    partner_failure = True


class PartnerRateLimited(PartnerCallError):
    """429. `retry_after` is the partner's Retry-After in seconds, when it sent a usable one."""

    outcome = PartnerCall.Outcome.RATE_LIMITED
    partner_failure = True

    def __init__(self, message: str, *, retry_after: float | None = None, **details: Any) -> None:
        super().__init__(message, **details)
        self.retry_after = retry_after


class PartnerAuthFailed(PartnerCallError):
    """401/403, a refused token request, or credentials too incomplete to send at all."""

    outcome = PartnerCall.Outcome.AUTH_FAILED


class PartnerHttpError(PartnerCallError):
    """Any other status the caller did not declare it handles (400, 404, 409, 422, ...)."""

    outcome = PartnerCall.Outcome.HTTP_ERROR


class PartnerResponseTooLarge(PartnerCallError):
    outcome = PartnerCall.Outcome.TOO_LARGE


class PartnerBadResponse(PartnerCallError):
    """An answer unusable at the HTTP level: an undecodable body, a redirect without a
    Location, too many redirects or a redirected write, a token response without a token.
    Checking content (JSON, XML, content type) is the caller's mapping's job and raises this
    type from there."""

    outcome = PartnerCall.Outcome.BAD_RESPONSE


class CircuitOpen(PartnerCallError):
    """Refused without a network call: the partner failed repeatedly and is cooling down."""

    outcome = PartnerCall.Outcome.CIRCUIT_OPEN
    default_delivery = Delivery.NOT_SENT


class UnsafeDestination(PartnerCallError):
    """Refused by the SSRF guard before any connection was made."""

    outcome = PartnerCall.Outcome.REFUSED
    default_delivery = Delivery.NOT_SENT
