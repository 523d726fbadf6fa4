"""A partner's live version: the configuration its runtime calls use, while a newer one waits.

The Partner, OperationConfig and PartnerCredentials rows always hold the partner's newest
configuration, the one the admin edits and its test tools call. When a partner goes live, or a
pending version is promoted, what shapes calls is frozen in a `PartnerLiveVersion`: the
configuration file's document (`partners.config_files`) and the encrypted credentials, at that
`config_version`. Runtime calls (lookups, orders, status sync) get an adapter for that frozen
copy through `partners.adapters.registry.live_adapter_for`, so an edit of a live partner waits
as a **pending version** (the rows' `config_version` differs from the live one) until it passes
the go-live gate (`partners.pending_versions`).

Fields in NOT_CALL_SHAPING shape no call: they apply at once, from the rows, and an edit of
only these neither raises the version nor makes a pending one. Every other field of the
partner, its operations, secret headers and credentials shape calls; a field added later
shapes calls unless it is listed here.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import FileField
from django.utils import timezone

from partners.config_files import EXPORTED_PARTNER_FIELDS, OPERATION_FIELDS, partner_config_export
from partners.facts import FACT_FIELDS
from partners.models import OperationConfig, Partner, PartnerCredentials, PartnerLiveVersion

NOT_CALL_SHAPING = frozenset(
    {"name", "slug", "categories", "priority", "contact_email", "logo", *FACT_FIELDS}
)
CALL_SHAPING_PARTNER_FIELDS = tuple(
    name for name in EXPORTED_PARTNER_FIELDS if name not in NOT_CALL_SHAPING
)
# Partners whose live version serves: the catalogue asks live ones, status sync paused ones too.
SERVING = (Partner.Status.LIVE, Partner.Status.PAUSED)
OPERATIONS_CACHE = Partner._meta.get_field("operations").cache_name


class PartnerNeverLive(LookupError):
    """The partner has no live version: it has never gone live, so no runtime call may use it."""


def shapes_calls(field_names: set[str] | list[str]) -> bool:
    """Whether changing these partner form fields changes how the partner is called."""
    return any(name not in NOT_CALL_SHAPING for name in field_names)


def partner_live_version(partner: Partner) -> PartnerLiveVersion | None:
    return PartnerLiveVersion.objects.filter(partner_id=partner.pk).first()


@dataclass(frozen=True)
class PartnerVersions:
    """What the partner's page says about its versions: the one serving and the one waiting."""

    live: int
    pending: int | None
    promoted_at: datetime
    promoted_by: str


def partner_versions(*, partner: Partner) -> PartnerVersions | None:
    """None unless the partner is live or paused: only then does a version serve (a testing
    partner goes live through the status change, which passes the same gate)."""
    if partner.status not in SERVING:
        return None
    live = (
        PartnerLiveVersion.objects.select_related("promoted_by")
        .filter(partner_id=partner.pk)
        .first()
    )
    if live is None:
        return None
    return PartnerVersions(
        live=live.config_version,
        pending=None if live.config_version == partner.config_version else partner.config_version,
        promoted_at=live.promoted_at,
        promoted_by=live.promoted_by.get_username() if live.promoted_by else "",
    )


def partner_version_next(partner: Partner) -> int:
    """The version a change of the partner's configuration moves to. Above every version the
    rows have had, so a discarded pending version's number never names another configuration
    (proofs and the OAuth2 token cache are kept by version)."""
    live = partner_live_version(partner) if partner.pk else None
    return max(partner.config_version, live.highest_version if live else 0) + 1


@transaction.atomic
def partner_live_version_freeze(
    *, partner: Partner, user: AbstractBaseUser | None = None
) -> PartnerLiveVersion:
    """Make the partner's rows, at their current version, its live version. Call it only
    once the go-live gate passed on that version."""
    try:
        encrypted = PartnerCredentials.objects.get(partner_id=partner.pk).encrypted
    except PartnerCredentials.DoesNotExist:
        encrypted = ""
    previous = partner_live_version(partner)
    live, _ = PartnerLiveVersion.objects.update_or_create(
        partner_id=partner.pk,
        defaults={
            "config_version": partner.config_version,
            "config": partner_config_export(partner),
            "credentials_encrypted": encrypted,
            "highest_version": max(
                partner.config_version, previous.highest_version if previous else 0
            ),
            "promoted_at": timezone.now(),
            "promoted_by": user if user is not None and user.is_authenticated else None,
        },
    )
    return live


def partner_as_served(partner: Partner, live: PartnerLiveVersion) -> Partner:
    """An unsaved Partner configured as its live version: the live call-shaping settings,
    operations and credentials, and the rows' other fields (name, priority, status…), which
    apply at once. For building adapters only: never save it or its operations."""
    values_of_rows = {
        # A file field's name, not its FieldFile, which would be rebound to the copy.
        field.attname: field.value_from_object(partner).name
        if isinstance(field, FileField)
        else field.value_from_object(partner)
        for field in Partner._meta.concrete_fields
    }
    served = Partner(**values_of_rows)
    values: dict[str, Any] = live.config["partner"]
    for name in CALL_SHAPING_PARTNER_FIELDS:
        if name in values:  # a field added after the version was frozen keeps the rows' value
            setattr(served, name, values[name])
    served.config_version = live.config_version
    served.credentials = PartnerCredentials(partner=served, encrypted=live.credentials_encrypted)
    operations = [
        OperationConfig(
            partner=served, **{name: item[name] for name in OPERATION_FIELDS if name in item}
        )
        for item in live.config["operations"]
    ]
    # As Django's prefetch_related fills it: `served.operations.all()` gives these, and any
    # other query of them gives nothing rather than the rows' (pending) operations.
    cached = OperationConfig.objects.none()
    cached._result_cache = operations
    cached._prefetch_done = True
    served._prefetched_objects_cache = {OPERATIONS_CACHE: cached}
    return served


def partner_served(partner: Partner) -> Partner:
    """The partner as its runtime calls must see it (see `partner_as_served`)."""
    live = partner_live_version(partner)
    if live is None:
        raise PartnerNeverLive(f"{partner} has never gone live: no configuration serves it yet.")
    return partner_as_served(partner, live)


def partner_being_proven(partner: Partner) -> bool:
    """Whether test orders and sign-offs may be recorded for the partner: in testing, or live
    with a pending version waiting for its proofs (they use the pending version; the live one
    keeps serving)."""
    if partner.status == Partner.Status.TESTING:
        return True
    versions = partner_versions(partner=partner)
    return partner.status == Partner.Status.LIVE and versions is not None and bool(versions.pending)
