from collections.abc import Collection, Mapping
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from partners.config_files import partner_config_apply, partner_config_check
from partners.crypto import (
    CredentialsUnreadable,
    credentials_decrypt,
    credentials_encrypt,
    credentials_rotate,
)
from partners.facts import WEBHOOK_SECRET, partner_facts_problems
from partners.go_live import (
    GoLiveProblem,
    go_live_problems,
    operations_problems,
    order_lines_problems,
    place_order_proof_problems,
    read_proof_problems,
    recorded_answer_problems,
)
from partners.header_rules import LINE_BREAKS, header_name_problem
from partners.history_saves import history_saved
from partners.live_versions import partner_live_version_freeze, partner_version_next
from partners.models import (
    Partner,
    PartnerCall,
    PartnerCircuit,
    PartnerCredentials,
    PartnerLiveVersion,
    PartnerSlot,
)
from partners.selectors import partner_never_called

DECLARATIVE = "declarative"

# Which status a partner may move to from each status.
# Any partner can be retired; a retired one comes back only through testing.
ALLOWED_TRANSITIONS = {
    Partner.Status.DRAFT: {Partner.Status.TESTING, Partner.Status.RETIRED},
    Partner.Status.TESTING: {Partner.Status.DRAFT, Partner.Status.LIVE, Partner.Status.RETIRED},
    Partner.Status.LIVE: {Partner.Status.PAUSED, Partner.Status.TESTING, Partner.Status.RETIRED},
    Partner.Status.PAUSED: {Partner.Status.LIVE, Partner.Status.TESTING, Partner.Status.RETIRED},
    Partner.Status.RETIRED: {Partner.Status.TESTING},
}

SECRET_HEADERS = PartnerCredentials.SECRET_HEADERS
SECRET_HEADERS_MAX = 10
SECRET_HEADER_VALUE_MAX_CHARS = 4096

# How the go-live gate names each credential.
# Every credential an auth type may need, with the label the admin shows.
CREDENTIAL_LABELS = (
    ("api_key", "API key"),
    ("username", "Username"),
    ("password", "Password"),
    ("client_id", "Client id"),
    ("client_secret", "Client secret"),
    ("key_id", "HMAC key id"),
    ("secret", "HMAC secret"),
)
# Credential fields each auth type needs; anything else is refused.
CREDENTIAL_FIELDS = {
    Partner.AuthType.NONE: (),
    Partner.AuthType.API_KEY_HEADER: ("api_key",),
    Partner.AuthType.API_KEY_QUERY: ("api_key",),
    Partner.AuthType.BASIC: ("username", "password"),
    Partner.AuthType.OAUTH2_CLIENT_CREDENTIALS: ("client_id", "client_secret"),
    Partner.AuthType.HMAC: ("key_id", "secret"),
}


@transaction.atomic
def partner_config_bump(*, partner: Partner) -> None:
    """Record that the partner's configuration changed; later calls carry the new version.

    Saved (not a bare UPDATE) so the partner's history shows the version it moved to.
    """
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    locked.config_version = partner_version_next(locked)
    locked.save(update_fields=["config_version", "updated_at"])
    partner.config_version = locked.config_version


def partner_credentials_problems(partner: Partner) -> list[str]:
    """For the go-live gate: each credential the auth type needs, and every secret header's
    value, is stored (and readable with the current keys)."""
    try:
        stored = credentials_decrypt(partner.credentials.encrypted)
    except PartnerCredentials.DoesNotExist:
        stored = {}
    except CredentialsUnreadable:
        return ["Credentials: unreadable with the current keys: enter them again"]
    labels = dict(CREDENTIAL_LABELS)
    problems = [
        f"Credentials: {labels[name]} not set"
        for name in CREDENTIAL_FIELDS[Partner.AuthType(partner.auth_type)]
        if not stored.get(name)
    ]
    if unset := _secret_headers_unset(partner, stored):
        problems.append(f"Secret headers without a value: {', '.join(unset)}")
    return problems


# What a partner must prove before going live, in the order the status box lists it. A check
# takes the partner and returns its problems (text, or GoLiveProblem with a link).
GO_LIVE_CHECKS = (
    operations_problems,
    partner_credentials_problems,
    read_proof_problems,
    recorded_answer_problems,
    place_order_proof_problems,
    order_lines_problems,
    partner_facts_problems,
)


def partner_go_live_problems(partner: Partner) -> list[GoLiveProblem]:
    """What stops the partner from going live at its current configuration version; each
    problem is its text and a link to the page that fixes it (see partners/go_live.py)."""
    return go_live_problems(partner, GO_LIVE_CHECKS)


@history_saved
@transaction.atomic
def partner_status_change(
    *, partner: Partner, status: Partner.Status, by: AbstractBaseUser | None = None
) -> Partner:
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if status not in ALLOWED_TRANSITIONS[partner.status]:
        raise ValidationError(
            f"A {partner.get_status_display().lower()} partner cannot move to "
            f"{status.label.lower()}."
        )
    if status == Partner.Status.LIVE and (problems := partner_go_live_problems(partner)):
        raise ValidationError(["Cannot go live:", *problems])
    # The version stays: it names the configuration that shapes calls, which the proofs were
    # made on (and which keys the circuit breaker and the OAuth2 token cache); see the ADR.
    partner.status = status
    partner.save(update_fields=["status", "updated_at"])
    if status == Partner.Status.LIVE:
        partner_live_version_freeze(partner=partner, user=by)
    return partner


@transaction.atomic
def partner_delete(*, partner: Partner) -> None:
    """Delete a partner that was never called, with its operations and credentials. One with
    calls in the log is retired instead, which keeps its configuration and the log."""
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    if not partner_never_called(locked):
        raise ValidationError(
            f"{locked} has been called, so it cannot be deleted: retire it instead, which keeps "
            "its configuration and call log."
        )
    # Limits rows have no foreign key (see PartnerSlot): remove them with the partner.
    PartnerSlot.objects.filter(partner_id=locked.pk).delete()
    PartnerCircuit.objects.filter(partner_id=locked.pk).delete()
    locked.delete()


@history_saved
@transaction.atomic
def partner_credentials_set(*, partner: Partner, values: dict[str, str]) -> None:
    """Store the secrets for the partner's auth type. A blank value keeps the stored one."""
    allowed = CREDENTIAL_FIELDS[Partner.AuthType(partner.auth_type)]
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ValidationError(
            f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not used by "
            f"{partner.get_auth_type_display()}."
        )
    credentials, stored = _credentials_locked(partner)
    stored.update({name: value for name, value in values.items() if value})
    credentials.encrypted = credentials_encrypt(
        {
            name: value
            for name, value in stored.items()
            if name in {*allowed, SECRET_HEADERS, WEBHOOK_SECRET}
        }
    )
    credentials.save()
    partner_config_bump(partner=partner)


@history_saved
@transaction.atomic
def partner_secret_headers_set(
    *, partner: Partner, values: Mapping[str, str], remove: Collection[str] = ()
) -> None:
    """Set secret headers (name → value, stored encrypted with the credentials) and remove
    others by name. The partner lists the names, so an export can say which to re-enter."""
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    kept = secret_header_names_kept(locked.secret_header_names, values=values, remove=remove)
    problems = secret_header_problems(values, kept=kept)
    if problems:
        raise ValidationError(problems)
    credentials, stored = _credentials_locked(locked)
    names = [*kept, *values]
    headers = {
        name: value for name, value in stored.get(SECRET_HEADERS, {}).items() if name in kept
    }
    headers.update(values)
    stored[SECRET_HEADERS] = headers
    credentials.encrypted = credentials_encrypt(stored)
    credentials.save()
    locked.secret_header_names = partner.secret_header_names = names
    locked.save(update_fields=["secret_header_names", "updated_at"])
    partner_config_bump(partner=partner)


def partner_secret_headers_unset(partner: Partner) -> list[str]:
    """The secret header names the partner declares without a stored value, e.g. after an
    import: they must be entered before calls can be made."""
    try:
        stored = credentials_decrypt(partner.credentials.encrypted)
    except (PartnerCredentials.DoesNotExist, CredentialsUnreadable):
        stored = {}
    return _secret_headers_unset(partner, stored)


def _secret_headers_unset(partner: Partner, stored: Mapping[str, Any]) -> list[str]:
    values = stored.get(SECRET_HEADERS, {})
    return [name for name in partner.secret_header_names if not values.get(name)]


def _credentials_locked(partner: Partner) -> tuple[PartnerCredentials, dict]:
    credentials, _ = PartnerCredentials.objects.select_for_update().get_or_create(partner=partner)
    try:
        return credentials, credentials_decrypt(credentials.encrypted)
    except CredentialsUnreadable:
        return credentials, {}  # the key was lost: what is entered now replaces the whole set


def secret_header_names_kept(
    names: Collection[str], *, values: Mapping[str, str], remove: Collection[str]
) -> list[str]:
    """The stored names that stay when `values` are set and `remove` taken away (names are
    compared without case, as HTTP does)."""
    dropped = {name.lower() for name in [*remove, *values]}
    return [name for name in names if name.lower() not in dropped]


def secret_header_problems(values: Mapping[str, str], *, kept: Collection[str]) -> list[str]:
    """What is wrong with secret headers about to be set beside the `kept` ones."""
    problems = []
    for name, value in values.items():
        if problem := header_name_problem(name):
            problems.append(f"Secret header {name!r} {problem}.")
        elif not value or LINE_BREAKS.search(value):
            problems.append(f"Secret header {name!r} needs a value on one line.")
        elif len(value) > SECRET_HEADER_VALUE_MAX_CHARS:
            problems.append(
                f"Secret header {name!r} is longer than {SECRET_HEADER_VALUE_MAX_CHARS} characters."
            )
    if len({name.lower() for name in values}) != len(values):
        problems.append("A secret header is given twice.")
    if len(kept) + len(values) > SECRET_HEADERS_MAX:
        problems.append(f"A partner can have at most {SECRET_HEADERS_MAX} secret headers.")
    return problems


def partner_credentials_rotate() -> int:
    """Re-encrypt every partner's credentials with the first key, those of its live version
    too; how many partners' credentials were."""
    rotated = 0
    for credentials in PartnerCredentials.objects.select_for_update().order_by("pk"):
        credentials.encrypted = credentials_rotate(credentials.encrypted)
        # The same secrets under a newer key: nothing a partner's History should list.
        credentials.save_without_historical_record(update_fields=["encrypted"])
        rotated += 1
    for live in PartnerLiveVersion.objects.select_for_update().order_by("pk"):
        live.credentials_encrypted = credentials_rotate(live.credentials_encrypted)
        live.save(update_fields=["credentials_encrypted"])
    return rotated


@history_saved
@transaction.atomic
def partner_config_import(*, data: Any, base_url: str | None = None) -> Partner:
    """Create or update (by slug) a partner from a configuration file and replace its
    operations. All or nothing.

    A new partner starts as a draft; an existing one keeps its status and credentials. For a
    partner that has gone live, the import is a pending version: its live version keeps
    serving until the import passes the go-live gate and is promoted.
    `base_url` overrides the file's, e.g. for a sandbox on another port. The partner's row is
    locked from the read to the write, and the version goes up in that same write: a status
    change or another import made meanwhile waits instead of being undone, and no two
    configurations share a version (it also keys the OAuth2 token cache).
    """
    config = partner_config_check(data, base_url=base_url)
    partner = Partner.objects.select_for_update().filter(slug=config.slug).first() or Partner()
    operations = partner_config_apply(partner, config)
    partner.config_version = partner_version_next(partner)
    if partner.pk is None:
        try:
            with transaction.atomic():
                partner.save()
        except IntegrityError as error:  # another import created this slug meanwhile
            raise ValidationError(
                f"partner · slug: {partner.slug} was created while this file was imported; "
                "import it again to update that partner."
            ) from error
    else:
        partner.save()
    partner.operations.all().delete()
    for operation in operations:
        operation.partner = partner
        operation.save()
    return partner


def partner_calls_prune(*, older_than_days: int) -> int:
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = PartnerCall.objects.filter(created_at__lt=cutoff).delete()
    return deleted
