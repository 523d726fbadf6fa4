"""Partner credentials are encrypted at rest with Fernet; keys come from the environment.

PARTNER_CREDENTIAL_KEYS lists Fernet keys, newest first: new values are encrypted with the first,
and any listed key decrypts, so a key is rotated by putting a new one in front, running
`manage.py rotate_partner_credentials`, then removing the old one.
"""

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class CredentialsUnreadable(Exception):
    """Stored credentials cannot be decrypted with any configured key."""


def _fernet() -> MultiFernet:
    keys = settings.PARTNER_CREDENTIAL_KEYS
    if not keys:
        raise ImproperlyConfigured("Set PARTNER_CREDENTIAL_KEYS to at least one Fernet key.")
    return MultiFernet([Fernet(key) for key in keys])


def credentials_encrypt(values: dict[str, Any]) -> str:
    return _fernet().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def credentials_decrypt(token: str) -> dict[str, Any]:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as error:
        raise CredentialsUnreadable(
            "Partner credentials cannot be decrypted with PARTNER_CREDENTIAL_KEYS."
        ) from error


def credentials_rotate(token: str) -> str:
    """Re-encrypt with the newest key."""
    return _fernet().rotate(token.encode()).decode() if token else token


def short_lived_encrypt(values: dict[str, Any]) -> str:
    """Encrypt values that are only needed for a while, e.g. secrets kept in a form's hidden
    field while it is corrected: Fernet tokens carry their time, checked by the decrypt."""
    return credentials_encrypt(values)


def short_lived_decrypt(token: str, *, max_age_seconds: int) -> dict[str, Any]:
    """The values, or CredentialsUnreadable when the token is forged, altered or older than
    `max_age_seconds`."""
    try:
        return json.loads(_fernet().decrypt(token.encode(), ttl=max_age_seconds))
    except (InvalidToken, ValueError) as error:
        raise CredentialsUnreadable("The kept values have expired or were altered.") from error
