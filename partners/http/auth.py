"""How each `Partner.AuthType` is put on an outgoing request.

`auth_apply` is pure (it gets the access token and the time from the client) so each scheme can
be read and tested on its own. The client applies it to the first request and to redirects that
stay on the same origin (scheme, host, port) only: credentials never follow a redirect elsewhere.
It puts the partner's secret headers on first (stored encrypted with the credentials, for any
auth type), then the auth type's own, which win on a clash.

HMAC-signed requests carry three headers:
    <hmac_header_name>: lower-case hex HMAC-SHA256(key=secret as UTF-8, message=string-to-sign)
    X-Timestamp: unix seconds, decimal (always sent, signed only if "timestamp" is listed)
    X-Key-Id: the `key_id` credential (only when one is stored)
The string-to-sign is the parts listed in `hmac_signed_parts`, in the order listed, joined by a
single "\\n" (no trailing newline):
    method     upper-case method, e.g. POST
    path       the request target exactly as sent: the path (with any base-URL path prefix),
               then "?" and the query string when there is one, e.g. /v1/orders?dry_run=1
    timestamp  the X-Timestamp value, e.g. 1767225600
    body       the body bytes exactly as sent; empty when there is no body
So the default "method,path,timestamp,body" signs b"POST\\n/v1/orders\\n1767225600\\n{...}".

OAuth2 client credentials: the token is fetched through the same guarded client (operation
`oauth_token`, client id and secret as HTTP Basic per RFC 6749 section 2.3.1) and cached in
Django's cache per partner and config version until shortly before it expires. The fetch is part
of the attempt that needs the token: it waits for another thread's fetch, and makes its own,
only until that attempt's deadline.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from django.core.cache import cache

from partners.bounded_json import json_loads_bounded
from partners.http.connection import PartnerConnection
from partners.http.errors import Delivery, PartnerAuthFailed, PartnerBadResponse, PartnerTimeout
from partners.models import Partner

if TYPE_CHECKING:
    from partners.http.client import PartnerResponse

TOKEN_OPERATION = "oauth_token"  # noqa: S105 - an operation name, not a credential
TOKEN_TTL_DEFAULT_SECONDS = 300
TOKEN_EXPIRY_MARGIN_SECONDS = 30
HMAC_PARTS = frozenset({"method", "path", "timestamp", "body"})

AuthType = Partner.AuthType


@dataclass(frozen=True)
class OutgoingRequest:
    """One HTTP request as it will go on the wire (`target` is path plus query string)."""

    method: str
    target: str
    headers: Mapping[str, str]
    body: bytes


class Sender(Protocol):
    """What token fetching needs from the client: its guarded, logged `send`."""

    def send(
        self,
        connection: PartnerConnection,
        *,
        operation: str,
        method: str,
        path: str,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
        idempotent: bool,
        accepted_statuses: Collection[int] = frozenset(),
        deadline: float | None = None,
    ) -> PartnerResponse: ...


def auth_apply(
    connection: PartnerConnection,
    request: OutgoingRequest,
    *,
    operation: str,
    access_token: str | None,
    now: float,
) -> OutgoingRequest:
    """`request` with the partner's secret headers and credentials on it; PartnerAuthFailed if
    they are incomplete."""
    auth_type = connection.auth_type
    headers = {**request.headers, **_secret_headers(connection, operation)}
    if auth_type == AuthType.NONE:
        return replace(request, headers=headers)
    if auth_type == AuthType.API_KEY_HEADER:
        headers[_setting(connection, operation, "api_key_name")] = _credential(
            connection, operation, "api_key"
        )
    elif auth_type == AuthType.API_KEY_QUERY:
        name = _setting(connection, operation, "api_key_name")
        separator = "&" if "?" in request.target else "?"
        query = urlencode({name: _credential(connection, operation, "api_key")})
        return replace(request, target=f"{request.target}{separator}{query}", headers=headers)
    elif auth_type == AuthType.BASIC:
        username = _credential(connection, operation, "username")
        password = _credential(connection, operation, "password")
        encoded = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        headers["Authorization"] = f"Basic {encoded}"
    elif auth_type == AuthType.OAUTH2_CLIENT_CREDENTIALS:
        headers["Authorization"] = f"Bearer {access_token}"
    elif auth_type == AuthType.HMAC:
        headers.update(_hmac_headers(connection, request, operation=operation, now=now))
    else:
        raise _auth_failed(connection, operation, f"Unknown authentication type {auth_type!r}.")
    return replace(request, headers=headers)


def hmac_string_to_sign(
    parts: Sequence[str], *, method: str, target: str, timestamp: str, body: bytes
) -> bytes:
    """The bytes an HMAC partner verifies; see the module docstring."""
    values = {
        "method": method.upper().encode(),
        "path": target.encode(),
        "timestamp": timestamp.encode(),
        "body": body,
    }
    return b"\n".join(values[part] for part in parts)


def access_token(
    sender: Sender,
    connection: PartnerConnection,
    *,
    rejected: str | None = None,
    deadline: float,
) -> str:
    """A bearer token for `connection`, from the cache or fetched before `deadline`.

    `rejected` is a token the partner just answered 401 to: it is replaced unless another
    thread already replaced it. One fetch per partner at a time, so a burst of lookups after
    expiry costs one token request, not one each.
    """
    key = f"partners:http:oauth-token:{connection.partner_id}:{connection.config_version}"
    lock = _token_lock(key)
    if not lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
        raise PartnerTimeout(
            "Another request was still fetching the access token at this attempt's deadline.",
            operation=TOKEN_OPERATION,
            partner=connection.slug,
            transient=True,
            delivery=Delivery.NOT_SENT,
        )
    try:
        cached = cache.get(key)
        if cached is not None and cached != rejected:
            return cached
        token, expires_in = _token_fetch(sender, connection, deadline)
        margin = min(TOKEN_EXPIRY_MARGIN_SECONDS, expires_in // 2)
        cache.set(key, token, timeout=max(1, expires_in - margin))
        return token
    finally:
        lock.release()


_token_locks: dict[str, threading.Lock] = {}
_token_locks_guard = threading.Lock()


def _token_lock(key: str) -> threading.Lock:
    with _token_locks_guard:
        return _token_locks.setdefault(key, threading.Lock())


def _token_fetch(sender: Sender, connection: PartnerConnection, deadline: float) -> tuple[str, int]:
    """POST grant_type=client_credentials to the token URL; (token, lifetime in seconds)."""
    client_id = _credential(connection, TOKEN_OPERATION, "client_id")
    client_secret = _credential(connection, TOKEN_OPERATION, "client_secret")
    token_url = urlsplit(_setting(connection, TOKEN_OPERATION, "oauth_token_url"))
    form = {"grant_type": "client_credentials"}
    if connection.oauth_scope:
        form["scope"] = connection.oauth_scope
    # The token endpoint is called as a Basic-auth partner of its own, so it gets the guard,
    # the breaker, the call log and the no-credentials-across-origins rule like any call. The
    # partner's secret headers are for its API, not for its token endpoint (often elsewhere).
    token_connection = replace(
        connection,
        base_url=f"{token_url.scheme}://{token_url.netloc}",
        auth_type=AuthType.BASIC,
        credentials={
            "username": quote(client_id, safe=""),
            "password": quote(client_secret, safe=""),
        },
        secret_headers={},
        secret_header_names=(),
    )
    response = sender.send(
        token_connection,
        operation=TOKEN_OPERATION,
        method="POST",
        path=token_url.path or "/",
        query=dict(parse_qsl(token_url.query)) or None,
        headers={"Accept": "application/json"},
        body=urlencode(form).encode(),
        content_type="application/x-www-form-urlencoded",
        idempotent=True,
        deadline=deadline,
    )
    try:
        payload = json_loads_bounded(response.body)
        token = payload["access_token"]
        expires_in = int(payload.get("expires_in") or TOKEN_TTL_DEFAULT_SECONDS)
        if not isinstance(token, str) or not token:
            raise ValueError("empty access token")
    except (ValueError, TypeError, KeyError):
        raise PartnerBadResponse(
            "The token endpoint answered without a usable access token.",
            operation=TOKEN_OPERATION,
            partner=connection.slug,
            status_code=response.status,
        ) from None
    return token, expires_in


def _hmac_headers(
    connection: PartnerConnection, request: OutgoingRequest, *, operation: str, now: float
) -> dict[str, str]:
    secret = _credential(connection, operation, "secret")
    parts = [part.strip().lower() for part in connection.hmac_signed_parts.split(",")]
    parts = [part for part in parts if part]
    unknown = sorted(set(parts) - HMAC_PARTS)
    if not parts or unknown:
        raise _auth_failed(
            connection,
            operation,
            "HMAC signed parts must be a comma-separated list of method, path, timestamp, "
            f"body (got {connection.hmac_signed_parts!r}).",
        )
    timestamp = str(int(now))
    message = hmac_string_to_sign(
        parts, method=request.method, target=request.target, timestamp=timestamp, body=request.body
    )
    headers = {
        _setting(connection, operation, "hmac_header_name"): hmac.new(
            secret.encode(), message, hashlib.sha256
        ).hexdigest(),
        "X-Timestamp": timestamp,
    }
    key_id = connection.credentials.get("key_id")
    if key_id:
        headers["X-Key-Id"] = key_id
    return headers


def _secret_headers(connection: PartnerConnection, operation: str) -> dict[str, str]:
    values = {}
    for name in connection.secret_header_names:
        value = connection.secret_headers.get(name)
        if not value:
            raise _auth_failed(
                connection,
                operation,
                f"The secret header {name!r} has no value: enter it for the partner.",
            )
        values[name] = value
    return values


def _credential(connection: PartnerConnection, operation: str, name: str) -> str:
    value = connection.credentials.get(name)
    if not value:
        raise _auth_failed(
            connection, operation, f"The {name!r} credential is missing: enter it for the partner."
        )
    return value


def _setting(connection: PartnerConnection, operation: str, name: str) -> str:
    value = getattr(connection, name)
    if not value:
        raise _auth_failed(connection, operation, f"Set {name!r} for this authentication type.")
    return value


def _auth_failed(connection: PartnerConnection, operation: str, message: str) -> PartnerAuthFailed:
    return PartnerAuthFailed(
        message, operation=operation, partner=connection.slug, delivery=Delivery.NOT_SENT
    )
