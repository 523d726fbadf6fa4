"""Everything the HTTP client needs to reach one partner, read once from the database.

A `PartnerConnection` is a plain frozen value so the client never touches the ORM on the hot
path and a test can vary one setting with `dataclasses.replace`. It holds decrypted secrets,
so it stays in the process that built it: its repr leaves them out, and tasks pass partner ids,
never connections.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from partners.crypto import credentials_decrypt
from partners.models import Partner, PartnerCredentials


@dataclass(frozen=True)
class PartnerConnection:
    """How to call one partner, as configured at `config_version`.

    `credentials` keys by auth type: api key → `api_key`; basic → `username`, `password`;
    OAuth2 → `client_id`, `client_secret`; HMAC → `secret` and optionally `key_id`.
    `secret_headers` are the values of the partner's secret headers by name, and
    `secret_header_names` the names it declares (a name without a value stops the call).
    """

    partner_id: int
    slug: str
    base_url: str
    auth_type: str
    credentials: dict[str, str] = field(repr=False, compare=False)
    secret_headers: dict[str, str] = field(repr=False, compare=False)
    secret_header_names: tuple[str, ...]
    api_key_name: str
    oauth_token_url: str
    oauth_scope: str
    hmac_header_name: str
    hmac_signed_parts: str
    connect_timeout_ms: int
    read_timeout_ms: int
    read_attempts: int
    max_concurrent_requests: int
    max_response_kb: int
    config_version: int


def connection_for(partner: Partner) -> PartnerConnection:
    """The partner's current settings with its credentials decrypted (none stored → empty)."""
    try:
        encrypted = partner.credentials.encrypted
    except PartnerCredentials.DoesNotExist:
        encrypted = ""
    credentials = credentials_decrypt(encrypted)
    secret_headers = credentials.pop(PartnerCredentials.SECRET_HEADERS, {})
    return PartnerConnection(
        partner_id=partner.pk,
        slug=partner.slug,
        base_url=partner.base_url,
        auth_type=partner.auth_type,
        credentials=credentials,
        secret_headers=secret_headers,
        secret_header_names=tuple(partner.secret_header_names),
        api_key_name=partner.api_key_name,
        # A path is appended to the base URL, as operation paths are, so a configuration moves
        # between environments.
        oauth_token_url=partner.base_url.rstrip("/") + partner.oauth_token_url
        if partner.oauth_token_url.startswith("/")
        else partner.oauth_token_url,
        oauth_scope=partner.oauth_scope,
        hmac_header_name=partner.hmac_header_name,
        hmac_signed_parts=partner.hmac_signed_parts,
        connect_timeout_ms=partner.connect_timeout_ms,
        read_timeout_ms=partner.read_timeout_ms,
        read_attempts=partner.read_attempts,
        max_concurrent_requests=partner.max_concurrent_requests,
        max_response_kb=partner.max_response_kb,
        config_version=partner.config_version,
    )
