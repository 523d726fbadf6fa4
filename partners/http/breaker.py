"""A circuit breaker per partner, so a partner that is down costs one fast refusal, not a timeout.

The catalogue asks every live partner on each scan; without a breaker a dead partner would add
its full timeout to every page and pile up threads waiting on it. After `failure_threshold`
consecutive failures the circuit opens and calls are refused without touching the network.
After `cooldown_seconds` one probe is let through (half-open): its success closes the circuit,
its failure opens it for another cool-down. In-process only: each worker learns on its own,
which costs at most `failure_threshold` failed calls per process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from enum import StrEnum

DEFAULT_FAILURE_THRESHOLD = 5
DEFAULT_COOLDOWN_SECONDS = 30.0


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Thread-safe. Every call that `allow()` lets through must end in exactly one of
    `record_success()`, `record_failure()` or `release()` (the call ended without learning
    anything about the partner, e.g. it was refused before connecting)."""

    def __init__(
        self,
        *,
        failure_threshold: int = DEFAULT_FAILURE_THRESHOLD,
        cooldown_seconds: float = DEFAULT_COOLDOWN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failure_threshold = failure_threshold
        self.cooldown_seconds = cooldown_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._state = CircuitState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_in_flight = False

    @property
    def state(self) -> CircuitState:
        with self._lock:
            return self._state

    def allow(self) -> bool:
        """May a call go out now? In half-open state only one probe at a time may."""
        with self._lock:
            if self._state is CircuitState.OPEN:
                if self._clock() - self._opened_at < self.cooldown_seconds:
                    return False
                self._state = CircuitState.HALF_OPEN
            if self._state is CircuitState.HALF_OPEN:
                if self._probe_in_flight:
                    return False
                self._probe_in_flight = True
            return True

    def record_success(self) -> None:
        with self._lock:
            if self._state is CircuitState.OPEN:
                return  # a call let through before the circuit opened: not a probe
            self._state = CircuitState.CLOSED
            self._failures = 0
            self._probe_in_flight = False

    def record_failure(self) -> None:
        with self._lock:
            if self._state is CircuitState.OPEN:
                return
            self._failures += 1
            if self._state is CircuitState.HALF_OPEN or self._failures >= self.failure_threshold:
                self._state = CircuitState.OPEN
                self._opened_at = self._clock()
                self._probe_in_flight = False

    def release(self) -> None:
        with self._lock:
            if self._state is CircuitState.HALF_OPEN:
                self._probe_in_flight = False
