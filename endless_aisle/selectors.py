from datetime import datetime

from django.db.models import Max

from endless_aisle.models import WorkerHeartbeat


def worker_last_seen() -> datetime | None:
    return WorkerHeartbeat.objects.aggregate(last_seen=Max("last_seen"))["last_seen"]
