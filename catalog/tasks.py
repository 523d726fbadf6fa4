from celery import shared_task

from catalog.cart_services import carts_parked_expire


@shared_task
def carts_parked_expire_due() -> int:
    """Run by beat on the maintenance queue (the default queue)."""
    return carts_parked_expire()
