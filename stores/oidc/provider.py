"""The provider's endpoints and signing keys: found by discovery, cached, refreshed on demand.

Both documents are cached in the shared cache for a day. The key set is fetched again as soon as
a token names a key (`kid`) that is not in it, which is how a key rotation at the provider
reaches us. Tokens only reach us from the token endpoint, over TLS, in exchange for a one-time
code and our client secret, so an unknown `kid` costs one fetch and cannot be sent at will.
"""

import json
import logging
import time

import jwt
import requests
from django.conf import settings
from django.core.cache import cache

from stores.oidc.refusals import SignInRefused, provider_unreachable, token_refused

logger = logging.getLogger(__name__)

CACHE_SECONDS = 24 * 60 * 60
MAX_DOCUMENT_BYTES = 256 * 1024
REQUIRED_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")


def provider_document(url: str) -> dict:
    """GET a JSON document from the provider, with a timeout and a size cap."""
    started = time.monotonic()
    try:
        with requests.get(
            url, timeout=settings.OIDC_TIMEOUT, stream=True, allow_redirects=False
        ) as response:
            response.raise_for_status()
            body = response.raw.read(MAX_DOCUMENT_BYTES + 1, decode_content=True)
    except requests.RequestException as error:
        logger.warning("oidc GET %s failed: %s", url, type(error).__name__)
        raise provider_unreachable(type(error).__name__) from error
    logger.info(
        "oidc GET %s status=%s ms=%d",
        url,
        response.status_code,
        1000 * (time.monotonic() - started),
    )
    if len(body) > MAX_DOCUMENT_BYTES:
        raise provider_unreachable(f"an answer of more than {MAX_DOCUMENT_BYTES} bytes")
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as error:  # a few hundred kB of "[[[[" recurses out
        raise provider_unreachable("an answer that is not JSON") from error
    if not isinstance(document, dict):
        raise provider_unreachable("an answer that is not a JSON object")
    return document


def provider_metadata() -> dict:
    """The issuer's discovery document, checked to name the issuer we trust."""
    issuer = settings.OIDC_ISSUER_URL
    cache_key = f"oidc:metadata:{issuer}"
    metadata = cache.get(cache_key)
    if metadata is None:
        metadata = provider_document(f"{issuer.rstrip('/')}/.well-known/openid-configuration")
        if metadata.get("issuer") != issuer:
            logger.error(
                "oidc discovery names issuer %r, OIDC_ISSUER_URL is %r",
                metadata.get("issuer"),
                issuer,
            )
            raise SignInRefused(
                "provider-misconfigured",
                "The sign-in service describes itself as another issuer than the one configured "
                "(OIDC_ISSUER_URL). Tell the back-office team.",
            )
        missing = [name for name in REQUIRED_ENDPOINTS if not isinstance(metadata.get(name), str)]
        if missing:
            raise provider_unreachable(f"its discovery document lacks {', '.join(missing)}")
        cache.set(cache_key, metadata, CACHE_SECONDS)
    return metadata


def _signing_keys(jwks_uri: str) -> dict[str, dict]:
    """The provider's RS256 signature keys by `kid`."""
    keys = provider_document(jwks_uri).get("keys")
    if not isinstance(keys, list):
        raise provider_unreachable("its key set has no keys")
    return {
        key["kid"]: key
        for key in keys
        if isinstance(key, dict)
        and isinstance(key.get("kid"), str)
        and key.get("kty") == "RSA"
        and key.get("use", "sig") == "sig"
        and key.get("alg", "RS256") == "RS256"
    }


def signing_key(kid: str) -> jwt.PyJWK:
    """The provider's public key named `kid`; the key set is fetched again if it is not known."""
    jwks_uri = provider_metadata()["jwks_uri"]
    cache_key = f"oidc:jwks:{jwks_uri}"
    keys = cache.get(cache_key)
    if keys is None or kid not in keys:
        keys = _signing_keys(jwks_uri)
        cache.set(cache_key, keys, CACHE_SECONDS)
    if kid not in keys:
        raise token_refused(
            "unknown-key", "it was signed with a key the sign-in service does not publish"
        )
    return jwt.PyJWK(keys[kid], algorithm="RS256")
