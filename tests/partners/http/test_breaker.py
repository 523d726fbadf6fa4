"""The circuit breaker's rules on their own (fake clock), and in the client against the sandbox
and a local server. Its storage, shared by processes, is tested in test_limits_backends.py."""

import threading

import pytest
from django.db import connections

from partners.http.errors import (
    CircuitOpen,
    PartnerCallError,
    PartnerHttpError,
    PartnerUnavailable,
    UnsafeDestination,
)
from partners.http.limits.circuit import CLOSED, Admission, BreakerPolicy, Circuit, CircuitState
from tests.conftest import wait_for
from tests.partners.http.helpers import (
    UNKNOWN_GTIN,
    calls_recorded,
    carried_gtin,
    sandbox_order_send,
)
from tests.partners.http.local_server import Reply

POLICY = BreakerPolicy(failure_threshold=3, cooldown_seconds=30)
PROBE_LEASE = 10.0
NOW = 1000.0


def admit(circuit: Circuit, token: str, now: float = NOW) -> tuple[Admission, Circuit]:
    return POLICY.admit(circuit, token=token, now=now, probe_lease_seconds=PROBE_LEASE)


def fail(circuit: Circuit, times: int, now: float = NOW) -> Circuit:
    """`times` calls let through and failed, one after another."""
    for number in range(times):
        admission, circuit = admit(circuit, f"call-{number}", now)
        assert admission is Admission.CALL
        circuit = POLICY.after_failure(circuit, token=f"call-{number}", now=now)
    return circuit


def opened() -> Circuit:
    circuit = fail(CLOSED, 3)
    assert circuit == Circuit(state=CircuitState.OPEN, failures=3, opened_at=NOW)
    return circuit


def test_opens_after_the_threshold_of_consecutive_failures():
    circuit = fail(CLOSED, 2)
    assert circuit == Circuit(failures=2)

    circuit = fail(circuit, 1)

    assert circuit.state is CircuitState.OPEN
    assert admit(circuit, "late")[0] is Admission.REFUSED


def test_a_success_resets_the_count():
    circuit = fail(CLOSED, 2)
    admission, circuit = admit(circuit, "good")
    circuit = POLICY.after_success(circuit, token="good")

    circuit = fail(circuit, 2)

    assert admission is Admission.CALL
    assert circuit == Circuit(failures=2)


def test_half_open_lets_one_probe_through_and_its_success_closes():
    circuit = opened()
    assert admit(circuit, "early", NOW + 29.9) == (Admission.REFUSED, circuit)

    admission, circuit = admit(circuit, "probe", NOW + 30)

    assert admission is Admission.PROBE
    assert circuit == Circuit(
        state=CircuitState.HALF_OPEN,
        failures=3,
        opened_at=NOW,
        probe_token="probe",
        probe_expires_at=NOW + 30 + PROBE_LEASE,
    )
    assert admit(circuit, "second", NOW + 31)[0] is Admission.REFUSED  # waits for the probe
    circuit = POLICY.after_success(circuit, token="probe")
    assert circuit == CLOSED
    assert admit(circuit, "next", NOW + 31)[0] is Admission.CALL


def test_a_failed_probe_opens_for_another_cooldown():
    _, circuit = admit(opened(), "probe", NOW + 30)

    circuit = POLICY.after_failure(circuit, token="probe", now=NOW + 31)

    assert circuit == Circuit(state=CircuitState.OPEN, failures=3, opened_at=NOW + 31)
    assert admit(circuit, "early", NOW + 60)[0] is Admission.REFUSED
    assert admit(circuit, "probe-2", NOW + 61)[0] is Admission.PROBE


def test_a_released_probe_lets_the_next_caller_probe():
    _, circuit = admit(opened(), "probe", NOW + 30)

    circuit = POLICY.after_release(circuit, token="probe")

    assert circuit.state is CircuitState.HALF_OPEN
    assert circuit.probe_token == ""
    assert admit(circuit, "next", NOW + 30)[0] is Admission.PROBE


@pytest.mark.parametrize(
    "outcome",
    [
        lambda circuit: POLICY.after_release(circuit, token="straggler"),
        lambda circuit: POLICY.after_success(circuit, token="straggler"),
        lambda circuit: POLICY.after_failure(circuit, token="straggler", now=NOW + 31),
    ],
    ids=["release", "success", "failure"],
)
def test_only_the_probe_ends_the_half_open_state(outcome):
    """A call let through before the circuit opened ends while the probe is out: whatever its
    outcome, the probe keeps its turn and nobody else is let through."""
    _, circuit = admit(opened(), "probe", NOW + 30)

    after = outcome(circuit)

    assert after == circuit
    assert admit(after, "second", NOW + 31)[0] is Admission.REFUSED


def test_a_probe_whose_lease_ran_out_hands_its_turn_to_the_next_caller():
    """A probe whose process died must not hold the partner half-open for ever."""
    _, circuit = admit(opened(), "dead-probe", NOW + 30)
    assert admit(circuit, "early", NOW + 30 + PROBE_LEASE - 0.1)[0] is Admission.REFUSED

    admission, circuit = admit(circuit, "next", NOW + 30 + PROBE_LEASE)

    assert admission is Admission.PROBE
    assert circuit.probe_token == "next"
    assert POLICY.after_success(circuit, token="dead-probe") == circuit  # too late to count
    assert POLICY.after_success(circuit, token="next") == CLOSED


@pytest.mark.django_db
def test_client_stops_calling_a_failing_partner_until_a_probe_succeeds(
    breaking_client, threadline, fresh_sandbox, clock
):
    fresh_sandbox.threadline.faults_set("5xx")
    for _ in range(2):
        with pytest.raises(PartnerUnavailable):
            sandbox_order_send(breaking_client, threadline, fresh_sandbox)

    with pytest.raises(CircuitOpen) as raised:
        sandbox_order_send(breaking_client, threadline, fresh_sandbox)

    assert raised.value.status_code is None
    assert fresh_sandbox.threadline.counters().order_requests == 2  # no network call
    assert calls_recorded()[-1] == ("place_order", None, "circuit_open", 1)

    fresh_sandbox.threadline.faults_clear()
    clock.advance(30)
    response = sandbox_order_send(breaking_client, threadline, fresh_sandbox)

    assert response.status == 201
    assert fresh_sandbox.threadline.counters().order_requests == 3
    assert breaking_client.breaker_for(threadline).state is CircuitState.CLOSED


@pytest.mark.django_db
def test_retries_stop_when_the_circuit_opens(breaking_client, threadline, fresh_sandbox):
    fresh_sandbox.threadline.faults_set("5xx")
    gtin = carried_gtin(fresh_sandbox.threadline)

    with pytest.raises(CircuitOpen):
        breaking_client.send(
            threadline,
            operation="lookup",
            method="GET",
            path=f"/v1/products/by-barcode/{gtin}",
            idempotent=True,
        )

    assert calls_recorded() == [
        ("lookup", 503, "unavailable", 1),
        ("lookup", 503, "unavailable", 2),
        ("lookup", None, "circuit_open", 3),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_call_let_through_before_the_circuit_opened_cannot_free_the_probes_turn(
    breaking_client, serve, allow, make_connection, clock
):
    """The half-open bug: a call admitted while the circuit was closed ended without learning
    anything (its redirect was refused) while the probe was out, and cleared the probe's turn,
    so the next caller went out as a second probe."""
    straggler_may_answer = threading.Event()
    probe_may_answer = threading.Event()

    def partner(request):
        if request.target == "/straggler":
            straggler_may_answer.wait(30)
            return Reply(302, {"Location": "http://10.0.0.1/elsewhere"})
        if request.target == "/probe":
            probe_may_answer.wait(30)
            return Reply(200)
        return Reply(503)

    server = serve(partner)
    allow(server.base_url)
    connection = make_connection(server.base_url)
    outcomes: dict[str, object] = {}

    def get(path: str) -> None:
        try:
            # A read, so the redirect is followed (and refused by the SSRF guard): a write's
            # redirect is an answer, which would tell the circuit the partner is up.
            outcomes[path] = breaking_client.send(
                connection, operation="lookup", method="GET", path=path, idempotent=True
            )
        except PartnerCallError as error:
            outcomes[path] = error
        finally:
            connections.close_all()

    straggler = threading.Thread(target=get, args=("/straggler",))
    straggler.start()
    wait_for(lambda: len(server.received) == 1)
    for _ in range(2):
        with pytest.raises(PartnerUnavailable):
            breaking_client.send(
                connection, operation="lookup", method="GET", path="/failing", idempotent=False
            )
    assert breaking_client.breaker_for(connection).state is CircuitState.OPEN
    clock.advance(30)
    probe = threading.Thread(target=get, args=("/probe",))
    probe.start()
    try:
        wait_for(lambda: len(server.received) == 4)
        straggler_may_answer.set()
        straggler.join()
        assert isinstance(outcomes["/straggler"], UnsafeDestination)

        with pytest.raises(CircuitOpen):
            breaking_client.send(
                connection, operation="lookup", method="GET", path="/second", idempotent=False
            )
    finally:
        straggler_may_answer.set()
        probe_may_answer.set()
        probe.join()
        straggler.join()

    assert [request.target for request in server.received] == [
        "/straggler",
        "/failing",
        "/failing",
        "/probe",
    ]
    assert outcomes["/probe"].status == 200
    assert breaking_client.breaker_for(connection).state is CircuitState.CLOSED


@pytest.mark.django_db
def test_not_found_answers_do_not_open_the_circuit(breaking_client, threadline):
    for _ in range(3):
        with pytest.raises(PartnerHttpError):
            breaking_client.send(
                threadline,
                operation="lookup",
                method="GET",
                path=f"/v1/products/by-barcode/{UNKNOWN_GTIN}",
                idempotent=True,
            )

    assert breaking_client.breaker_for(threadline).state is CircuitState.CLOSED
