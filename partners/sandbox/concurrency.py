"""How many requests a sandbox partner is answering at once, and a gate that holds them.

Tests of concurrency caps read the peak the partner saw, rather than trusting the caller's own
count, and close the gate to keep requests in flight for as long as they need: no timing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ConcurrencyGauge:
    """Requests in flight now and the most seen at once, both since the last reset: a request
    still running from before it (say, one sleeping out a timeout fault) is not counted."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation = 0
        self._in_flight = 0
        self._peak = 0

    @contextmanager
    def counted(self) -> Iterator[None]:
        with self._lock:
            generation = self._generation
            self._in_flight += 1
            self._peak = max(self._peak, self._in_flight)
        try:
            yield
        finally:
            with self._lock:
                if generation == self._generation:
                    self._in_flight -= 1

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    @property
    def peak(self) -> int:
        with self._lock:
            return self._peak

    def reset(self) -> None:
        with self._lock:
            self._generation += 1
            self._in_flight = 0
            self._peak = 0


class Gate:
    """Open by default; while closed, requests wait at it until it opens or `stopping` is set."""

    def __init__(self, stopping: threading.Event, tick_seconds: float) -> None:
        self._open = threading.Event()
        self._open.set()
        self._stopping = stopping
        self._tick_seconds = tick_seconds

    @property
    def is_open(self) -> bool:
        return self._open.is_set()

    def close(self) -> None:
        self._open.clear()

    def open(self) -> None:
        self._open.set()

    def pass_through(self) -> None:
        while not self._open.wait(self._tick_seconds):
            if self._stopping.is_set():
                return
