"""Settings for the test suite: the same components as the demo, isolated per run.

SQLite tests use a file database so a real Celery worker in another process can see it;
set DATABASE_URL to a PostgreSQL server to run on PostgreSQL (CI does).
"""

import os
import socket

os.environ.setdefault("DATABASE_URL", "sqlite:///var/test.sqlite3")


def _free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Each test process (the run's, or each of its pytest-xdist workers) starts its own moto SQS
# server (tests/conftest.py) on a port nobody else uses. A Celery worker started by a test inherits
# the address through the environment; an xdist worker does not take its controller's.
_TEST_PROCESS = os.environ.get("PYTEST_XDIST_WORKER", "main")
if os.environ.get("SQS_ENDPOINT_TEST_PROCESS") != _TEST_PROCESS:
    os.environ["SQS_ENDPOINT_URL"] = f"http://127.0.0.1:{_free_loopback_port()}"
    os.environ["SQS_ENDPOINT_TEST_PROCESS"] = _TEST_PROCESS

# Short long polls: a worker a test stopped leaves its last poll open at the server for this
# long, taking any message sent meanwhile (`worker_last_poll_waited` waits it out).
os.environ.setdefault("SQS_WAIT_TIME_SECONDS", "1")

from endless_aisle.settings.base import *  # noqa: E402, F403
from endless_aisle.settings.base import BASE_DIR, DATABASES, VAR_DIR  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["NAME"] = str(BASE_DIR / DATABASES["default"]["NAME"])
    # One file per run, so two runs side by side (or a run beside the demo) never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-run-{os.getpid()}.sqlite3")}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEMO_PASSWORD = "test-demo-password"  # noqa: S105 - a test value, not a secret
WORKER_HEARTBEAT_SECONDS = 30
