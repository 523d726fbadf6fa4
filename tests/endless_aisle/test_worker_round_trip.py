"""A task goes through SQS (moto's server) to a real Celery worker process, then to the database."""

from endless_aisle.models import WorkerHeartbeat
from endless_aisle.tasks import worker_heartbeat
from tests.conftest import wait_for


def test_a_task_sent_through_sqs_is_run_by_the_worker(celery_worker):
    assert not WorkerHeartbeat.objects.exists()

    worker_heartbeat.delay()

    heartbeat = wait_for(lambda: WorkerHeartbeat.objects.first())
    assert heartbeat.hostname.startswith("test-worker-")
    assert WorkerHeartbeat.objects.count() == 1
