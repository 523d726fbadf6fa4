import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from endless_aisle.models import WorkerHeartbeat
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
