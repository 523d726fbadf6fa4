"""Reads of partners, their operation configurations and the call log for the admin: each
fetches the related rows its page shows in the same query or one more, however many rows."""

from django.db.models import QuerySet

from partners.models import OperationConfig, Partner, PartnerCall


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
