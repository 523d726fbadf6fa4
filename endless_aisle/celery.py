"""The Celery app. Every environment uses kombu's SQS transport; only the endpoint differs."""

import os

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "endless_aisle.settings.base")

app = Celery("endless_aisle")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _ensure_queues(**kwargs) -> None:
    """Create the queues (and their dead-letter queues) before kombu would create plain ones."""
    from django.conf import settings

    if settings.SQS_CREATE_QUEUES:
        from endless_aisle.queues import queues_ensure

        queues_ensure()
