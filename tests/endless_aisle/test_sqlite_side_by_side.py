"""The demo's SQLite lets the web server and the worker write at the same time."""

import os
import subprocess
import sys

from endless_aisle.settings.base import database_config
from tests.conftest import REPO

WRITES_PER_PROCESS = 150


def test_sqlite_uses_immediate_transactions_a_busy_timeout_and_a_write_ahead_log():
    config = database_config("sqlite:////tmp/demo.sqlite3")

    assert config["OPTIONS"] == {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }


def test_two_processes_write_one_sqlite_file_without_locking_errors(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "endless_aisle.settings.base",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'side-by-side.sqlite3'}",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "endless_aisle"],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    writer = (
        "import os\n"
        "from django.db import transaction\n"
        "from endless_aisle.services import worker_heartbeat_record\n"
        f"for n in range({WRITES_PER_PROCESS}):\n"
        "    with transaction.atomic():\n"
        "        worker_heartbeat_record(hostname=os.environ['WRITER'] + str(n % 10))\n"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-v", "0", "-c", writer],
            cwd=REPO,
            env={**env, "WRITER": name},
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("web-", "worker-")
    ]
    errors = [process.communicate(timeout=120)[1] for process in processes]

    assert [process.returncode for process in processes] == [0, 0], errors
    count = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-v",
            "0",
            "-c",
            "from endless_aisle.models import WorkerHeartbeat as W; print(W.objects.count())",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert count.stdout.strip() == "20"
