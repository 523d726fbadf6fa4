"""What the settings refuse to start with. Each problem names the environment variable to fix."""

import base64
import binascii
from urllib.parse import urlsplit

MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_UNIQUE_CHARACTERS = 5
FERNET_KEY_BYTES = 32


def insecure_settings(
    *,
    debug: bool,
    secret_key: str,
    allowed_hosts: list[str],
    database_engine: str,
    cache_backend: str,
    sqs_endpoint_url: str,
    partner_credential_keys: list[str],
    demo_partner_credential_key: str,
) -> list[str]:
    problems = []
    if debug:
        problems.append("DJANGO_DEBUG must be false")
    if (
        len(secret_key) < MIN_SECRET_KEY_LENGTH
        or len(set(secret_key)) < MIN_SECRET_KEY_UNIQUE_CHARACTERS
        or secret_key.startswith(("django-insecure-", "local-demo-key"))
    ):
        problems.append(
            "DJANGO_SECRET_KEY must be a random value of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters"
        )
    if not allowed_hosts or "*" in allowed_hosts:
        problems.append("DJANGO_ALLOWED_HOSTS must list the site's host names (no '*')")
    if database_engine.endswith("sqlite3"):
        problems.append("DATABASE_URL must point at PostgreSQL, not SQLite")
    if cache_backend.endswith(("LocMemCache", "DummyCache")):
        problems.append("CACHE_URL must point at a shared cache (Redis), not process memory")
    if sqs_endpoint_url and urlsplit(sqs_endpoint_url).scheme != "https":
        problems.append("SQS_ENDPOINT_URL must use https (leave it empty for Amazon SQS)")
    if not partner_credential_keys or demo_partner_credential_key in partner_credential_keys:
        problems.append("PARTNER_CREDENTIAL_KEYS must hold your own Fernet keys, not the demo key")
    elif not all(_is_fernet_key(key) for key in partner_credential_keys):
        problems.append("PARTNER_CREDENTIAL_KEYS must be Fernet keys (32 url-safe base64 bytes)")
    return problems


PARTNER_LIMITS_BACKENDS = ("database", "redis")
REDIS_SCHEMES = ("redis", "rediss", "unix")


def partner_limits_problems(*, backend: str, redis_url: str) -> list[str]:
    """A partner limits setting that cannot work, in any environment: each process would
    otherwise fail on its first partner call, or silently ignore a Redis it was given."""
    if backend not in PARTNER_LIMITS_BACKENDS:
        return [f"PARTNER_LIMITS_BACKEND must be one of {', '.join(PARTNER_LIMITS_BACKENDS)}"]
    if backend == "redis" and not redis_url:
        return ["PARTNER_LIMITS_REDIS_URL must be set when PARTNER_LIMITS_BACKEND is redis"]
    if backend == "redis" and urlsplit(redis_url).scheme not in REDIS_SCHEMES:
        return ["PARTNER_LIMITS_REDIS_URL must be a redis://, rediss:// or unix:// URL"]
    if backend == "database" and redis_url:
        return [
            "PARTNER_LIMITS_REDIS_URL is set but PARTNER_LIMITS_BACKEND is database: "
            "set PARTNER_LIMITS_BACKEND=redis to use it, or unset the URL"
        ]
    return []


def _is_fernet_key(key: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(key.encode())) == FERNET_KEY_BYTES
    except (ValueError, binascii.Error):
        return False


def oidc_problems(
    *,
    issuer_url: str,
    client_id: str,
    client_secret: str,
    hosted_ui_url: str,
    group_roles: dict[str, str],
    role_keys: tuple[str, ...],
) -> list[str]:
    """Sign-in through the identity provider is all or nothing: once one of its variables is
    set, every one must be, over https, and the group mapping must name our roles."""
    required = {
        "OIDC_ISSUER_URL": issuer_url,
        "OIDC_CLIENT_ID": client_id,
        "OIDC_CLIENT_SECRET": client_secret,
        "OIDC_HOSTED_UI_URL": hosted_ui_url,
    }
    if not any(required.values()):
        return []
    problems = [
        f"{name} must be set: the OIDC configuration is incomplete"
        for name, value in required.items()
        if not value
    ]
    problems += [
        f"{name} must use https"
        for name in ("OIDC_ISSUER_URL", "OIDC_HOSTED_UI_URL")
        if required[name] and urlsplit(required[name]).scheme != "https"
    ]
    unknown = sorted(set(group_roles.values()) - set(role_keys))
    if not group_roles or unknown:
        problems.append(
            "OIDC_GROUP_ROLES must map provider groups to roles "
            f"({', '.join(role_keys)}), e.g. store-manager=manager"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
        )
    return problems


def payment_gateway_problems(
    *, url: str, public_key: str, secret_key: str, demo_keys: tuple[str, ...]
) -> list[str]:
    """Card payments are all or nothing: once one gateway variable is set, every one must be,
    the gateway reached over https, with keys of our own (never the sandbox's demo keys)."""
    required = {
        "PAYMENT_GATEWAY_URL": url,
        "PAYMENT_GATEWAY_PUBLIC_KEY": public_key,
        "PAYMENT_GATEWAY_SECRET_KEY": secret_key,
    }
    if not any(required.values()):
        return []
    problems = [
        f"{name} must be set: the payment gateway configuration is incomplete"
        for name, value in required.items()
        if not value
    ]
    if url and urlsplit(url).scheme != "https":
        problems.append("PAYMENT_GATEWAY_URL must use https")
    problems += [
        f"{name} must be your gateway's key, not the sandbox's demo key"
        for name in ("PAYMENT_GATEWAY_PUBLIC_KEY", "PAYMENT_GATEWAY_SECRET_KEY")
        if required[name] in demo_keys
    ]
    return problems
