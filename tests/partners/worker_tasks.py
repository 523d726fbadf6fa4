"""A task for tests that need a partner's place-order mapping run by a real Celery worker.

The order pipeline's task (orders.tasks) needs a partner order in the database, with its claim
and status; this is the smallest task that does what it does with a partner: read the partner
by id and place an order through its adapter. Loaded only by test workers
(`--include tests.partners.worker_tasks`).
"""

from celery import shared_task

from partners.adapters.registry import adapter_for
from partners.models import Partner
from tests.partners.test_declarative_adapter import order_for


@shared_task
def place_sample_order(partner_id: int, partner_sku: str, reference: str) -> None:
    partner = Partner.objects.get(pk=partner_id)
    adapter_for(partner).place_order(order_for(partner_sku, reference=reference))
