import json
import os
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from endless_aisle import health
from endless_aisle.models import WorkerHeartbeat
from endless_aisle.queues import physical_queue_name, sqs_client, sqs_probe_client
from tests.conftest import REPO


@pytest.mark.django_db
def test_healthy_when_database_and_broker_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "worker": {"status": "unknown", "last_seen": None},
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_broker_outage_is_reported_but_stays_200(client, settings):
    settings.SQS_ENDPOINT_URL = "http://127.0.0.1:9"  # discard port: nothing listens

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["database"] == "ok"
    assert response.json()["broker"] == "down"


@pytest.mark.django_db
def test_worker_is_ok_after_a_recent_heartbeat_and_stale_after_a_silence(client, settings):
    seen = timezone.now() - timedelta(seconds=settings.WORKER_HEARTBEAT_SECONDS)
    WorkerHeartbeat.objects.create(hostname="worker@a", last_seen=seen)

    fresh = client.get("/healthz").json()["worker"]
    WorkerHeartbeat.objects.update(last_seen=seen - timedelta(minutes=5))
    stale = client.get("/healthz").json()["worker"]

    assert fresh == {"status": "ok", "last_seen": seen.isoformat()}
    assert stale["status"] == "stale"


def test_unreachable_database_gives_503():
    """A real unreachable database: a separate process whose SQLite file cannot be opened."""
    script = (
        "from django.test import Client; r = Client().get('/healthz'); "
        "print(r.status_code); print(r.content.decode())"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "endless_aisle.settings.base",
        "DATABASE_URL": "sqlite:////nonexistent-directory/endless-aisle.sqlite3",
        "SQS_ENDPOINT_URL": "http://127.0.0.1:9",
        "DJANGO_ALLOWED_HOSTS": "testserver",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    status, body = result.stdout.strip().split("\n", 1)
    assert status == "503", result.stderr
    assert json.loads(body) == {
        "status": "down",
        "database": "down",
        "broker": "down",
        "worker": {"status": "unknown", "last_seen": None},
    }


CONTAINER_ADDRESS = "10.0.3.17:8000"


@pytest.mark.django_db
def test_a_probe_by_container_address_is_answered_under_production_hosts(client, settings):
    """The load balancer asks http://CONTAINER-IP:8000/healthz; ALLOWED_HOSTS lists only the
    site's name, and production redirects plain HTTP to HTTPS."""
    settings.ALLOWED_HOSTS = ["aisle.retailer.example"]
    settings.SECURE_SSL_REDIRECT = True

    probe = client.get("/healthz", HTTP_HOST=CONTAINER_ADDRESS)
    page = client.get("/accounts/login/", HTTP_HOST=CONTAINER_ADDRESS)

    assert probe.status_code == 200
    assert probe.json()["database"] == "ok"
    assert "no-cache" in probe["Cache-Control"]
    assert page.status_code == 400


def test_the_probe_reuses_one_sqs_client_per_endpoint(settings):
    first = sqs_probe_client()
    again = sqs_probe_client()
    session_endpoint = settings.SQS_ENDPOINT_URL
    settings.SQS_ENDPOINT_URL = "http://127.0.0.1:9"
    elsewhere = sqs_probe_client()
    settings.SQS_ENDPOINT_URL = session_endpoint

    assert again is first
    assert elsewhere is not first
    assert elsewhere.meta.endpoint_url == "http://127.0.0.1:9"
    assert sqs_probe_client() is first


@pytest.mark.django_db
def test_the_broker_check_is_remembered_for_a_few_seconds(client, settings, monkeypatch):
    # The cache's clock, so that the test waits for no real seconds.
    now = [1000.0]
    monkeypatch.setattr(health, "monotonic", lambda: now[0])
    settings.SQS_QUEUE_PREFIX = f"healthz-{uuid.uuid4().hex[:8]}-"
    sqs = sqs_client()
    queue_url = sqs.create_queue(QueueName=physical_queue_name(settings.SQS_QUEUES.create_order))[
        "QueueUrl"
    ]

    up = client.get("/healthz").json()["broker"]
    sqs.delete_queue(QueueUrl=queue_url)
    now[0] += health.BROKER_CHECK_SECONDS - 0.1
    remembered = client.get("/healthz").json()["broker"]
    now[0] += 0.1
    checked_again = client.get("/healthz").json()["broker"]

    assert (up, remembered, checked_again) == ("ok", "ok", "down")
