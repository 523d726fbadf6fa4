"""Place-order mappings run in the Celery worker too: a hostile one is stopped there, the worker
goes on, and a worker killed mid-evaluation leaves no evaluator behind.

The worker runs the prefork pool, as in production: its children are daemonic and billiard
forbids them multiprocessing children, so the evaluators are started as plain subprocesses by
the child that evaluates.
"""

import os
import signal
from urllib.parse import urlsplit

import pytest

from endless_aisle.queues import sqs_client
from partners.models import PartnerCall
from tests.conftest import wait_for
from tests.partners.mapping.evaluator_processes import (
    HOSTILE_REGEX,
    children_of,
    cpu_seconds,
    evaluators_under,
    parent_of,
    running,
)
from tests.partners.sandbox.picks import in_stock
from tests.partners.worker_tasks import place_sample_order

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def prefork_worker(celery_workers, sandbox):
    allowlist = ",".join(urlsplit(partner.base_url).netloc for partner in sandbox)

    def start(*options: str, **env: str):
        return celery_workers(
            *("--pool", "prefork", "--concurrency", "1"),
            *("--include", "tests.partners.worker_tasks", *options),
            env={"PARTNER_HOST_ALLOWLIST": allowlist, **env},
        )

    return start


def hostile_place_order(partner) -> None:
    config = partner.operations.get(operation="place_order")
    config.response_mapping = HOSTILE_REGEX
    config.save()


def place_order_call(partner, outcome: str):
    return PartnerCall.objects.filter(
        partner=partner, operation="place_order", outcome=outcome
    ).first()


def test_a_hostile_place_order_mapping_is_stopped_in_the_worker_which_goes_on(
    prefork_worker, onboarded, sandbox
):
    worker = prefork_worker()
    threadline, stridewell = onboarded["threadline"], onboarded["stridewell"]
    hostile_place_order(threadline)

    place_sample_order.delay(threadline.pk, in_stock(sandbox.threadline)[1].sku, "EA-HOSTILE")
    stopped = wait_for(lambda: place_order_call(threadline, "mapping_error"), seconds=60)
    place_sample_order.delay(stridewell.pk, in_stock(sandbox.stridewell)[1].sku, "EA-AFTER")
    placed = wait_for(lambda: place_order_call(stridewell, "ok"), seconds=60)

    assert stopped.error == "MappingLimitExceeded: timeout_ms"
    assert placed.status_code in (200, 201)
    [evaluator] = evaluators_under(worker.pid)
    assert parent_of(evaluator) in children_of(worker.pid)  # the prefork child started it
    assert worker.poll() is None


@pytest.fixture
def queue_of_its_own():
    """A queue for a task whose worker is killed: its message stays in flight and would come
    back to a later test's worker; the queue is deleted after the test, message and all."""
    name = f"test-killed-worker-{os.getpid()}"
    yield name
    client = sqs_client()
    client.delete_queue(QueueUrl=client.get_queue_url(QueueName=name)["QueueUrl"])


def test_no_evaluator_outlives_a_worker_killed_mid_evaluation(
    prefork_worker, onboarded, sandbox, queue_of_its_own
):
    queue = queue_of_its_own
    worker = prefork_worker("--queues", queue, MAPPING_TIMEOUT_MS="3000")
    threadline = onboarded["threadline"]
    hostile_place_order(threadline)

    place_sample_order.apply_async(
        (threadline.pk, in_stock(sandbox.threadline)[1].sku, "EA-KILLED"), queue=queue
    )
    wait_for(lambda: place_order_call(threadline, "ok"), seconds=60)  # answered: now mapping
    evaluators = wait_for(lambda: evaluators_under(worker.pid), seconds=30)
    wait_for(lambda: max(cpu_seconds(pid) for pid in evaluators) > 0.5)  # it is working
    worker_processes = [worker.pid, *children_of(worker.pid)]
    for pid in worker_processes:
        os.kill(pid, signal.SIGKILL)
    worker.wait()

    wait_for(lambda: not any(running(pid) for pid in worker_processes))  # SIGKILL is async
    # the regex holds the evaluator in C: its CPU timer (3 s) ends it
    wait_for(lambda: not any(running(pid) for pid in evaluators), seconds=120)
