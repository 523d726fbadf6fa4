"""Benchmark scripts (`make bench`) and the little they share."""

import socket
import statistics
import time
from collections.abc import Callable
from pathlib import Path


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
