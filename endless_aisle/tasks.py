from celery import shared_task

from endless_aisle.services import worker_heartbeat_record


@shared_task(bind=True)
def worker_heartbeat(self) -> None:
    worker_heartbeat_record(hostname=self.request.hostname or "unknown")
