"""The secret a partner signs its order status webhooks with: kept encrypted with the partner's
credentials, set or generated here, never shown back (a generated one is shown once, to hand to
the partner).

Setting it does not raise the configuration version: it shapes no call we make, and a partner
that already signs with the new secret must be believed at once. `Partner.webhook_secret_set_at`
records the change, so the partner's history shows when it happened without the value.
"""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from partners.crypto import CredentialsUnreadable, credentials_decrypt, credentials_encrypt
from partners.facts import WEBHOOK_SECRET
from partners.header_rules import LINE_BREAKS
from partners.models import Partner, PartnerCredentials
from partners.services import _credentials_locked

WEBHOOK_SECRET_MIN_CHARS = 16
WEBHOOK_SECRET_MAX_CHARS = 256
GENERATED_SECRET_BYTES = 32


def webhook_secret_problem(secret: str) -> str | None:
    """Why `secret` cannot sign webhooks; never quotes it."""
    if LINE_BREAKS.search(secret) or secret != secret.strip():
        return "Enter the secret on one line, without spaces around it."
    if len(secret) < WEBHOOK_SECRET_MIN_CHARS:
        return (
            f"Too short to be safe: at least {WEBHOOK_SECRET_MIN_CHARS} characters "
            "(or generate one)."
        )
    if len(secret) > WEBHOOK_SECRET_MAX_CHARS:
        return f"At most {WEBHOOK_SECRET_MAX_CHARS} characters."
    return None


@transaction.atomic
def partner_webhook_secret_set(*, partner: Partner, secret: str) -> None:
    """Store the webhook secret encrypted beside the partner's other credentials."""
    if problem := webhook_secret_problem(secret):
        raise ValidationError({"webhook_secret": problem})
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    # Unreadable (the key was lost): the other credentials must be entered again anyway.
    credentials, stored = _credentials_locked(locked)
    stored[WEBHOOK_SECRET] = secret
    credentials.encrypted = credentials_encrypt(stored)
    credentials.save()
    locked.webhook_secret_set_at = partner.webhook_secret_set_at = timezone.now()
    locked.save(update_fields=["webhook_secret_set_at", "updated_at"])


def partner_webhook_secret_generate(*, partner: Partner) -> str:
    """Store a new random secret and return it, for the merchandiser to hand to the partner."""
    secret = secrets.token_urlsafe(GENERATED_SECRET_BYTES)
    partner_webhook_secret_set(partner=partner, secret=secret)
    return secret


def partner_webhook_secret_state(partner: Partner) -> str:
    """ "stored", "unset" or "unreadable" (with the current keys); never the value."""
    try:
        secret = partner_webhook_secret_stored(partner)
    except CredentialsUnreadable:
        return "unreadable"
    return "stored" if secret else "unset"


def partner_webhook_secret_needed(partner: Partner) -> bool:
    """The partner's status comes by webhook and no readable secret is stored, e.g. after an
    import: one must be entered or generated before its webhooks can be believed."""
    return partner.status_delivery == Partner.StatusDelivery.WEBHOOK and (
        partner_webhook_secret_state(partner) != "stored"
    )


def partner_webhook_secret(partner: Partner) -> str | None:
    """The stored secret, or None when none is stored or it cannot be decrypted."""
    try:
        return partner_webhook_secret_stored(partner)
    except CredentialsUnreadable:
        return None


def partner_webhook_secret_stored(partner: Partner) -> str | None:
    """The stored secret, None when there is none; CredentialsUnreadable when the keys cannot
    decrypt the credentials. Read afresh, not from the partner's cached relation."""
    encrypted = (
        PartnerCredentials.objects.filter(partner=partner)
        .values_list("encrypted", flat=True)
        .first()
    )
    return credentials_decrypt(encrypted or "").get(WEBHOOK_SECRET) or None
