"""Status sync's beat task; registered by name, imported by the worker through CELERY_IMPORTS."""

from celery import shared_task

from orders.status_polling import partner_orders_poll_due


@shared_task(name="orders.partner_orders_poll")
def partner_orders_poll() -> int:
    return partner_orders_poll_due()
