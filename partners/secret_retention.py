"""Secrets typed into the partner form survive a page that comes back with errors.

A browser's password field is empty again after any error, and before this the secret was then
silently lost. The form now keeps what was typed in a hidden field as a short-lived Fernet token
(encrypted and authenticated with the credential keys, bound to the user and the partner): the
HTML never holds a secret in the clear, and the next post carries it without retyping. See the
ADR "Typed secrets survive a form error".
"""

from typing import Any

from django import forms

from partners.crypto import CredentialsUnreadable, short_lived_decrypt, short_lived_encrypt

KEPT_FOR_SECONDS = 3600
KEPT_HELP = (
    "Kept from the form you sent (not shown): it is saved when the form is saved. "
    "Type a new value to replace it."
)


class KeptSecretsInput(forms.HiddenInput):
    """A hidden input that renders only the token the form sets, never what was posted."""

    token = ""

    def format_value(self, value):
        return self.token or None


def kept_secrets_seal(values: dict[str, Any], *, owner: str) -> str:
    return short_lived_encrypt({"owner": owner, "values": values})


def kept_secrets_open(token: str, *, owner: str) -> dict[str, Any]:
    """What the token keeps; nothing when it is missing, expired, altered or someone else's."""
    if not token:
        return {}
    try:
        sealed = short_lived_decrypt(token, max_age_seconds=KEPT_FOR_SECONDS)
    except CredentialsUnreadable:
        return {}
    if not isinstance(sealed, dict) or sealed.get("owner") != owner:
        return {}
    values = sealed.get("values")
    return values if isinstance(values, dict) else {}
