"""Promote or discard a live partner's pending version (see `partners.live_versions`).

Both lock the partner's row, so an edit, an import or a status change made at the same time
waits for them instead of being lost or promoted unseen.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from partners.config_files import OPERATION_FIELDS
from partners.crypto import CredentialsUnreadable, credentials_decrypt, credentials_encrypt
from partners.facts import WEBHOOK_SECRET
from partners.live_versions import (
    CALL_SHAPING_PARTNER_FIELDS,
    SERVING,
    partner_live_version,
    partner_live_version_freeze,
)
from partners.models import (
    OperationConfig,
    Partner,
    PartnerCredentials,
    PartnerLiveVersion,
)
from partners.services import partner_go_live_problems
from partners.webhook_secrets import partner_webhook_secret_stored


def _pending_locked(partner: Partner) -> tuple[Partner, PartnerLiveVersion]:
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    live = partner_live_version(locked)
    if locked.status not in SERVING or live is None:
        raise ValidationError(
            f"{locked} is {locked.get_status_display().lower()}: only a live or paused "
            "partner has a version serving. Move it to live instead."
        )
    if live.config_version == locked.config_version:
        raise ValidationError(
            f"{locked} has no pending changes: version {live.config_version} is live."
        )
    return locked, live


@transaction.atomic
def partner_pending_promote(
    *, partner: Partner, user: AbstractBaseUser | None
) -> PartnerLiveVersion:
    """Make the pending version live, once it passes the go-live gate on its own version."""
    locked, live = _pending_locked(partner)
    if problems := partner_go_live_problems(locked):
        raise ValidationError(
            [
                f"Version {locked.config_version} cannot replace live version "
                f"{live.config_version} yet:",
                *problems,
            ]
        )
    return partner_live_version_freeze(partner=locked, user=user)


@transaction.atomic
def partner_pending_discard(*, partner: Partner, user: AbstractBaseUser | None) -> Partner:
    """Put the live version back in the rows: its call-shaping settings, operations, secret
    headers and credentials, and its version number. The fields that shape no call keep their
    newest values. `user` is recorded in the partner's history."""
    locked, live = _pending_locked(partner)
    live.highest_version = max(live.highest_version, locked.config_version)
    live.save(update_fields=["highest_version"])
    values = live.config["partner"]
    for name in CALL_SHAPING_PARTNER_FIELDS:
        if name in values:
            setattr(locked, name, values[name])
    locked.config_version = live.config_version
    locked._history_user = user  # simple_history's way to name who saved
    locked.save()
    locked.operations.all().delete()
    for item in live.config["operations"]:
        OperationConfig.objects.create(
            partner=locked, **{name: item[name] for name in OPERATION_FIELDS if name in item}
        )
    PartnerCredentials.objects.update_or_create(
        partner=locked, defaults={"encrypted": _live_credentials_with_webhook_secret(locked, live)}
    )
    partner.config_version = locked.config_version
    return locked


def _live_credentials_with_webhook_secret(partner: Partner, live: PartnerLiveVersion) -> str:
    """The live version's credentials with the webhook secret of now: it signs the partner's
    pushes to us, not our calls, so it applies at once and a discard must not bring back one the
    merchandiser has replaced (the partner would then sign with a secret we no longer hold)."""
    try:
        restored = credentials_decrypt(live.credentials_encrypted)
        secret = partner_webhook_secret_stored(partner)
    except CredentialsUnreadable:
        return live.credentials_encrypted  # keys lost: the secrets must be entered again anyway
    restored.pop(WEBHOOK_SECRET, None)
    if secret:
        restored[WEBHOOK_SECRET] = secret
    return credentials_encrypt(restored)
