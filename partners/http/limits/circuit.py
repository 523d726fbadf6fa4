"""The circuit breaker's rules: pure functions of a partner's circuit and the time.

A partner that is down should cost one fast refusal, not a timeout on every call: without a
breaker a dead partner adds its full timeout to every scan and piles up threads waiting on it.
After `failure_threshold` consecutive failures the circuit opens and calls are refused without
touching the network. After `cooldown_seconds` one call goes through as the probe (half-open):
its success closes the circuit, its failure opens it for another cool-down, and if it ends
without learning anything about the partner (it never reached it) the next caller probes.

Only the probe's own outcome ends the half-open state. Every admitted call carries a random
token and the circuit remembers the probe's, so a call let through before the circuit opened
cannot close it, reopen it or free the probe's turn when it ends. A probe whose process died
keeps its turn only until its lease runs out; then the next caller probes.

The circuit is shared by every process (see `partners.http.limits`): a backend stores it and
applies these decisions atomically, so "consecutive failures" counts failures from all of them.
Times are wall-clock seconds since the epoch, as every process must read the same clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

DEFAULT_FAILURE_THRESHOLD = 5
DEFAULT_COOLDOWN_SECONDS = 30.0


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class Admission(StrEnum):
    CALL = "call"
    PROBE = "probe"
    REFUSED = "refused"


@dataclass(frozen=True)
class Circuit:
    """One partner's circuit at one configuration version, as stored. `probe_token` is set
    while a probe is out; its turn lapses at `probe_expires_at`."""

    state: CircuitState = CircuitState.CLOSED
    failures: int = 0
    opened_at: float = 0.0
    probe_token: str = ""
    probe_expires_at: float = 0.0


CLOSED = Circuit()


@dataclass(frozen=True)
class BreakerPolicy:
    failure_threshold: int = DEFAULT_FAILURE_THRESHOLD
    cooldown_seconds: float = DEFAULT_COOLDOWN_SECONDS

    def admit(
        self, circuit: Circuit, *, token: str, now: float, probe_lease_seconds: float
    ) -> tuple[Admission, Circuit]:
        """May the call holding `token` go out now, and as the probe? The circuit after it."""
        if circuit.state is CircuitState.CLOSED:
            return Admission.CALL, circuit
        if circuit.state is CircuitState.OPEN and now < circuit.opened_at + self.cooldown_seconds:
            return Admission.REFUSED, circuit
        if (
            circuit.state is CircuitState.HALF_OPEN
            and circuit.probe_token
            and now < circuit.probe_expires_at
        ):
            return Admission.REFUSED, circuit
        return Admission.PROBE, replace(
            circuit,
            state=CircuitState.HALF_OPEN,
            probe_token=token,
            probe_expires_at=now + probe_lease_seconds,
        )

    def after_success(self, circuit: Circuit, *, token: str) -> Circuit:
        if _is_probe(circuit, token):
            return CLOSED
        if circuit.state is CircuitState.CLOSED:
            return replace(circuit, failures=0)
        return circuit  # let through before the circuit opened: not the probe

    def after_failure(self, circuit: Circuit, *, token: str, now: float) -> Circuit:
        if _is_probe(circuit, token):
            return Circuit(state=CircuitState.OPEN, failures=circuit.failures, opened_at=now)
        if circuit.state is not CircuitState.CLOSED:
            return circuit
        failures = circuit.failures + 1
        if failures >= self.failure_threshold:
            return Circuit(state=CircuitState.OPEN, failures=failures, opened_at=now)
        return replace(circuit, failures=failures)

    def after_release(self, circuit: Circuit, *, token: str) -> Circuit:
        """The call ended without learning anything about the partner."""
        if _is_probe(circuit, token):
            return replace(circuit, probe_token="", probe_expires_at=0.0)
        return circuit


def _is_probe(circuit: Circuit, token: str) -> bool:
    return circuit.state is CircuitState.HALF_OPEN and circuit.probe_token == token
