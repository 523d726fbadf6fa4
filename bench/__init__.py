"""Benchmark scripts (`make bench`) and the little they share."""

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def timings_ms(function: Callable[[], object], count: int) -> list[float]:
    """The times of `count` calls of `function`, in milliseconds."""
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def median_ms(function: Callable[[], object], count: int) -> float:
    """The median of `count` timed calls of `function`, in milliseconds."""
    return statistics.median(timings_ms(function, count))


def p95(samples: list[float]) -> float:
    """The 95th percentile of `samples` (at least two)."""
    return statistics.quantiles(samples, n=20)[18]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bench_environment(workdir: Path) -> dict[str, str]:
    """The Django settings of a benchmark: a new SQLite database in `workdir`, quiet logs."""
    return {
        "DJANGO_SETTINGS_MODULE": "endless_aisle.settings.base",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "LOG_LEVEL": "WARNING",
    }


def django_migrated(
    workdir: Path, *, database_url: str | None = None, settings: dict[str, str] | None = None
) -> None:
    """Django set up on a new SQLite database in `workdir`, or on `database_url` (emptied
    first), and migrated; `settings` are more environment settings."""
    os.environ.update(bench_environment(workdir))
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.update(settings or {})
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    if database_url:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)


@contextmanager
def module_served(module: str, *args: str) -> Iterator[tuple[subprocess.Popen, object]]:
    """`python -m module args` in a process of its own (a sandbox's), talking over its standard
    input and output: the process and the JSON line it printed first. It ends when its input
    closes."""
    process = subprocess.Popen(  # noqa: S603 - a module of this repository
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        yield process, json.loads(process.stdout.readline())
    finally:
        process.stdin.close()
        process.wait(30)


def queue_depth(client, url: str) -> int:
    """Messages in an SQS queue waiting or being worked on (not yet deleted)."""
    attributes = client.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )
