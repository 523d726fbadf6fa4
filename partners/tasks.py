from celery import shared_task
from django.conf import settings

from partners.services import partner_calls_prune


@shared_task
def partner_calls_prune_old() -> int:
    return partner_calls_prune(older_than_days=settings.PARTNER_CALL_RETENTION_DAYS)
