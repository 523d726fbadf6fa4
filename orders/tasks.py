"""The order pipeline's Celery tasks: they take ids and call services, nothing else."""

from celery import shared_task
from django.conf import settings

from orders.dead_letters import dead_letters_record
from orders.outbox import PLACE_TASK, outbox_sweep
from orders.payment_services import (
    SETTLE_TASK,
    partner_order_payment_settle,
    payment_settle_failure_record,
)
from orders.payments.gateway import PaymentError, PaymentGatewayUnavailable
from orders.placement_services import Outcome, backoff_seconds, partner_order_place


@shared_task(bind=True, name=PLACE_TASK, max_retries=None)
def partner_order_place_task(self, partner_order_id: int) -> str:
    placement = partner_order_place(partner_order_id=partner_order_id)
    if placement.outcome in (Outcome.RETRY, Outcome.CLAIMED_ELSEWHERE):
        raise self.retry(countdown=placement.retry_in)
    _settle(self, partner_order_id)
    return placement.outcome


@shared_task(bind=True, name=SETTLE_TASK, max_retries=None)
def partner_order_payment_settle_task(self, partner_order_id: int) -> None:
    _settle(self, partner_order_id)


def _settle(task, partner_order_id: int) -> None:
    try:
        partner_order_payment_settle(partner_order_id=partner_order_id)
    except PaymentGatewayUnavailable as error:
        # The next run settles again, with the same keys.
        raise task.retry(countdown=backoff_seconds(task.request.retries + 1), exc=error) from None
    except PaymentError as error:
        payment_settle_failure_record(partner_order_id=partner_order_id, error=error)


@shared_task(name="orders.outbox_sweep")
def outbox_sweep_task() -> int:
    return outbox_sweep(older_than_seconds=settings.ORDER_OUTBOX_SWEEP_AFTER_SECONDS)


@shared_task(name="orders.dead_letters_record")
def dead_letters_record_task() -> int:
    return dead_letters_record()
