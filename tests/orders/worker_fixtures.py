"""A real Celery worker for the order pipeline's tests: one per test module, consuming
create-order-queue on the run's moto SQS server, calling the sandbox partners over HTTP.

The worker runs with a short SQS visibility timeout, so a message whose worker died comes back
in seconds, and with two receives before a message is dead-lettered. Its start sets those
attributes on the shared queue; the module's end sets the run's own back.
"""

import os
import signal
import subprocess
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from kombu import pools

from endless_aisle.celery import app
from endless_aisle.queues import DEAD_LETTER_SUFFIX, queues_ensure, sqs_client
from tests.conftest import (
    database_url,
    queues_emptied,
    sqs_queue_url,
    wait_for,
    worker_last_poll_waited,
    worker_process_started,
    worker_process_stopped,
)

VISIBILITY_TIMEOUT_SECONDS = 5  # the worker's task time limit, and claim lease, is 4 s
MAX_RECEIVE_COUNT = 2
DEAD_BROKER = "sqs://local:local@127.0.0.1:9"  # the discard port: nothing listens


def worker_environment(sandbox) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "endless_aisle.settings.test",
        "DATABASE_URL": database_url(connection.settings_dict),
        "SQS_ENDPOINT_URL": settings.SQS_ENDPOINT_URL,
        "SQS_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT_SECONDS),
        "SQS_MAX_RECEIVE_COUNT": str(MAX_RECEIVE_COUNT),
        "ORDER_PLACEMENT_BACKOFF_SECONDS": "0.2",
        "PARTNER_HOST_ALLOWLIST": ",".join(urlsplit(p.base_url).netloc for p in sandbox),
    }


class Worker:
    """One solo-pool worker process, its log in `log_path`; `kill()` is SIGKILL, no goodbye."""

    def __init__(self, log_path: Path, environment: dict[str, str]) -> None:
        self.log_path = log_path
        self._environment = environment
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        name = f"pipeline-{os.getpid()}-{self.log_path.stem}@%h"
        options = ["--pool", "solo", "--queues", settings.SQS_QUEUES.create_order]
        self.process = worker_process_started(name, options, self._environment, self.log_path)
        return self

    def log(self) -> str:
        return self.log_path.read_text()

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        worker_last_poll_waited()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            worker_process_stopped(self.process, self.log_path)
            worker_last_poll_waited()


@pytest.fixture(scope="module")
def pipeline_worker(django_db_setup, django_db_blocker, sandbox, tmp_path_factory):
    """The module's worker (started on first use). A test that kills it starts it again."""
    worker = Worker(tmp_path_factory.mktemp("worker") / "worker.log", worker_environment(sandbox))
    yield worker.start()
    worker.stop()
    queues_ensure()  # the run's own visibility timeout and receive count again


def queue_url(dead_letters: bool = False) -> str:
    return sqs_queue_url(
        settings.SQS_QUEUES.create_order + (DEAD_LETTER_SUFFIX if dead_letters else "")
    )


def queue_purged() -> None:
    """Start a test with no waiting message left by another, in create-order-queue or its
    dead-letter queue."""
    queues_emptied(settings.SQS_QUEUES.create_order)


def messages_in(url: str) -> int:
    """Messages waiting or being worked on (taken, not yet deleted)."""
    attributes = sqs_client().get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def queue_drained(seconds: float = 30) -> None:
    """Wait until every create-order message was handled and deleted (retries included)."""
    url = queue_url()
    wait_for(lambda: messages_in(url) == 0, seconds=seconds)


@contextmanager
def broker_down():
    """This process's broker refuses connections (a closed loopback port) while inside; a
    worker's connection is untouched. kombu tries to connect again for about 6 s before it
    gives up (the web's wait at checkout while SQS is down); one try is enough to prove the
    outcome, so the test waits 0.4 s instead."""
    usual_url, usual_options = app.conf.broker_url, app.conf.broker_transport_options
    _producers_rebuilt(DEAD_BROKER, {**usual_options, "max_retries": 1, "interval_start": 0})
    try:
        yield
    finally:
        _producers_rebuilt(usual_url, usual_options)


def _producers_rebuilt(broker_url: str, transport_options: dict) -> None:
    # Celery and kombu keep connection and producer pools per broker: start them afresh.
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = broker_url
    app.conf.broker_transport_options = transport_options
