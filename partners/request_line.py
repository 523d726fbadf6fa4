"""The request line the admin's Test connection shows: method, path and the query string as sent,
with every secret value masked. The API key of an `api_key_query` partner is added to the query
by the HTTP client after this line is built, so it appears here as its name and a mask; secret
headers and credentials never appear in the line at all."""

from collections.abc import Mapping
from urllib.parse import quote_plus

from partners.http import PartnerConnection
from partners.models import Partner

MASK = "•••"


def request_line_shown(
    connection: PartnerConnection, *, method: str, path: str, query: Mapping[str, str]
) -> str:
    secrets = [
        value
        for value in (*connection.credentials.values(), *connection.secret_headers.values())
        if isinstance(value, str) and value
    ]

    def shown(value: str) -> str:
        # A request mapping could copy a secret into the query: mask it wherever it occurs.
        if any(secret in value for secret in secrets):
            return MASK
        return quote_plus(value)

    pairs = [f"{quote_plus(name)}={shown(str(value))}" for name, value in query.items()]
    if connection.auth_type == Partner.AuthType.API_KEY_QUERY and connection.api_key_name:
        pairs.append(f"{quote_plus(connection.api_key_name)}={MASK}")
    segments = [MASK if segment in secrets else segment for segment in path.split("/")]
    return f"{method} {'/'.join(segments)}" + (f"?{'&'.join(pairs)}" if pairs else "")
