"""The one HTTP client every partner call goes through.

Callers build a `PartnerConnection` with `connection_for(partner)` and call
`partner_http_client().send(...)`; everything else here (SSRF guard, auth, retries, the
concurrency cap and circuit breaker shared by every process, call log) happens inside `send`
so no caller can forget it.
"""

from partners.http.call_log import call_outcome_set
from partners.http.client import PartnerHttpClient, PartnerResponse, partner_http_client
from partners.http.connection import PartnerConnection, connection_for
from partners.http.errors import (
    CircuitOpen,
    Delivery,
    PartnerAuthFailed,
    PartnerBadResponse,
    PartnerCallError,
    PartnerHttpError,
    PartnerRateLimited,
    PartnerResponseTooLarge,
    PartnerTimeout,
    PartnerUnavailable,
    UnsafeDestination,
)

__all__ = [
    "CircuitOpen",
    "Delivery",
    "PartnerAuthFailed",
    "PartnerBadResponse",
    "PartnerCallError",
    "PartnerConnection",
    "PartnerHttpClient",
    "PartnerHttpError",
    "PartnerRateLimited",
    "PartnerResponse",
    "PartnerResponseTooLarge",
    "PartnerTimeout",
    "PartnerUnavailable",
    "UnsafeDestination",
    "call_outcome_set",
    "connection_for",
    "partner_http_client",
]
