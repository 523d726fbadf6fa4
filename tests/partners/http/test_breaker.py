"""The circuit breaker on its own (fake clock) and in the client against the sandbox."""

import json

import pytest

from partners.http.breaker import CircuitBreaker, CircuitState
from partners.http.errors import CircuitOpen, PartnerHttpError, PartnerUnavailable
from tests.partners.http.helpers import UNKNOWN_GTIN, calls_recorded, carried_gtin


@pytest.fixture
def breaker(clock) -> CircuitBreaker:
    return CircuitBreaker(failure_threshold=3, cooldown_seconds=30, clock=clock)


def fail(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        assert breaker.allow()
        breaker.record_failure()


def test_opens_after_the_threshold_of_consecutive_failures(breaker):
    fail(breaker, 2)
    assert breaker.state is CircuitState.CLOSED

    fail(breaker, 1)

    assert breaker.state is CircuitState.OPEN
    assert not breaker.allow()


def test_a_success_resets_the_count(breaker):
    fail(breaker, 2)
    assert breaker.allow()
    breaker.record_success()

    fail(breaker, 2)

    assert breaker.state is CircuitState.CLOSED


def test_half_open_lets_one_probe_through_and_its_success_closes(breaker, clock):
    fail(breaker, 3)
    clock.advance(29.9)
    assert not breaker.allow()
    clock.advance(0.1)

    assert breaker.allow()
    assert breaker.state is CircuitState.HALF_OPEN
    assert not breaker.allow()  # a second caller waits for the probe
    breaker.record_success()

    assert breaker.state is CircuitState.CLOSED
    assert breaker.allow()


def test_a_failed_probe_opens_for_another_cooldown(breaker, clock):
    fail(breaker, 3)
    clock.advance(30)

    fail(breaker, 1)

    assert breaker.state is CircuitState.OPEN
    clock.advance(29)
    assert not breaker.allow()
    clock.advance(1)
    assert breaker.allow()


def test_a_released_probe_lets_the_next_caller_probe(breaker, clock):
    fail(breaker, 3)
    clock.advance(30)
    assert breaker.allow()

    breaker.release()

    assert breaker.state is CircuitState.HALF_OPEN
    assert breaker.allow()


def place_order(client, connection, sandbox):
    sku = sandbox.threadline.catalog.offers[0].variants[0].sku
    return client.send(
        connection,
        operation="place_order",
        method="POST",
        path="/v1/orders",
        headers={"Idempotency-Key": "EA-000321-1"},
        body=json.dumps({"lines": [{"sku": sku, "quantity": 1}]}).encode(),
        content_type="application/json",
        idempotent=False,
    )


@pytest.mark.django_db
def test_client_stops_calling_a_failing_partner_until_a_probe_succeeds(
    breaking_client, threadline, fresh_sandbox, clock
):
    fresh_sandbox.threadline.faults_set("5xx")
    for _ in range(2):
        with pytest.raises(PartnerUnavailable):
            place_order(breaking_client, threadline, fresh_sandbox)

    with pytest.raises(CircuitOpen) as raised:
        place_order(breaking_client, threadline, fresh_sandbox)

    assert raised.value.status_code is None
    assert fresh_sandbox.threadline.counters().order_requests == 2  # no network call
    assert calls_recorded()[-1] == ("place_order", None, "circuit_open", 1)

    fresh_sandbox.threadline.faults_clear()
    clock.advance(30)
    response = place_order(breaking_client, threadline, fresh_sandbox)

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
