"""The worker tests' stop (tests/conftest.py): a worker that outlives its warm shutdown is
killed with its children, and the test fails with its log's end instead of a bare timeout."""

import subprocess
import sys

import psutil
import pytest

from tests import conftest
from tests.conftest import wait_for, worker_process_stopped

# A stand-in for a worker that does not stop: SIGTERM ignored, a child of its own (a pool's
# child, an evaluator) that would outlive it.
DEAF_PARENT = (
    "import signal, subprocess, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
    "time.sleep(600)\n"
)


def test_a_worker_that_does_not_stop_is_killed_with_its_children_and_its_log_shown(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(conftest, "WORKER_STOP_SECONDS", 1)
    log_path = tmp_path / "worker.log"
    log_path.write_text("".join(f"line {n}\n" for n in range(100)))
    worker = subprocess.Popen([sys.executable, "-c", DEAF_PARENT])
    [child] = wait_for(lambda: psutil.Process(worker.pid).children())

    with pytest.raises(pytest.fail.Exception) as failure:
        worker_process_stopped(worker, log_path)

    message = str(failure.value)
    assert message.startswith("Celery worker did not stop in 1 s; its log ends:\nline 60\n")
    assert message.endswith("line 99")
    assert worker.returncode is not None
    psutil.wait_procs([child], timeout=10)
    assert not child.is_running()
