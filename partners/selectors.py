"""Reads of partners, their operation configurations and the call log for the admin: each
fetches the related rows its page shows in the same query or one more, however many rows."""

from django.db.models import QuerySet

from partners.models import OperationConfig, Partner, PartnerCall

# The statuses in which a partner may be sent new work: lookups, searches, similar items and
# new orders. A paused or retired partner gets none; its orders already placed still sync their
# status and can be cancelled or re-sent.
NEW_WORK_STATUSES = frozenset({Partner.Status.DRAFT, Partner.Status.TESTING, Partner.Status.LIVE})


def partner_accepts_new_work(partner: Partner) -> bool:
    """Whether new work may be sent to the partner at all. The adapters enforce it; the
    catalogue must also call it (cart lines of a partner that does not are shown unavailable
    and cannot be checked out) besides showing associates only live partners."""
    return partner.status in NEW_WORK_STATUSES


def partner_never_called(partner: Partner) -> bool:
    """A partner with no call in the log, which may therefore be deleted outright."""
    return not PartnerCall.objects.filter(partner=partner).exists()


def partner_with_operations(*, partner_id: int) -> Partner | None:
    """A partner and its operation configurations (`partner.operations.all()` reads no more)."""
    return Partner.objects.prefetch_related("operations").filter(pk=partner_id).first()


def partner_operation_config(*, partner: Partner, operation: str) -> OperationConfig | None:
    return partner.operations.filter(operation=operation).first()


def operation_configs_with_partner() -> QuerySet[OperationConfig]:
    """Configurations with their partner, which each one's name includes."""
    return OperationConfig.objects.select_related("partner")


def partner_calls_with_partner() -> QuerySet[PartnerCall]:
    return PartnerCall.objects.select_related("partner")
