"""Slots and circuits shared through each backend, database and Redis, on a fake clock.

Two backend instances over one store stand for two processes: whatever one does, the other
sees. (Real separate processes: test_limits_processes.py.)
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import redis
from django.db import connection as default_connection
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from redis.exceptions import RedisError

from partners.http.client import PartnerHttpClient
from partners.http.connection import PartnerConnection
from partners.http.errors import PartnerUnavailable
from partners.http.limits import (
    BreakerPolicy,
    CircuitRefused,
    CircuitState,
    DatabaseLimits,
    LimitsUnavailable,
    PartnerLimits,
    RedisLimits,
    SlotsBusy,
    lease_seconds,
)
from partners.http.limits.in_database import IN_TRANSACTION_MESSAGE
from partners.models import PartnerSlot
from tests.conftest import wait_for
from tests.partners.http.helpers import free_port

# Every test may use the database backend; declared here, not requested by the fixture, so
# pytest-django groups (and cleans up after) these tests with the other database tests.
pytestmark = pytest.mark.django_db

POLICY = BreakerPolicy(failure_threshold=3, cooldown_seconds=30)
BACKENDS = ["database", "redis"]


def partner(
    partner_id: int = 41, *, cap: int = 2, version: int = 1, read_timeout_ms: int = 900
) -> PartnerConnection:
    """A connection as the limits see it. No Partner row is needed: limits key on the id."""
    return PartnerConnection(
        partner_id=partner_id,
        slug="acme",
        base_url="https://api.acme.example",
        auth_type="none",
        credentials={},
        secret_headers={},
        secret_header_names=(),
        api_key_name="",
        oauth_token_url="",
        oauth_scope="",
        hmac_header_name="",
        hmac_signed_parts="",
        connect_timeout_ms=100,
        read_timeout_ms=read_timeout_ms,
        max_concurrent_requests=cap,
        max_response_kb=64,
        read_attempts=1,
        config_version=version,
    )


ACME = partner()
LEASE = lease_seconds(ACME)  # 0.1 + 0.9 + the margin


def now_only() -> float:
    """A deadline already reached: one try for a slot, no waiting."""
    return time.monotonic()


@pytest.fixture(params=BACKENDS)
def store(request, clock) -> Callable[[], PartnerLimits]:
    """Makes backend instances over one store (one per "process"), on the fake clock."""
    if request.param == "database":
        return lambda: DatabaseLimits(policy=POLICY, clock=clock)
    url, prefix = request.getfixturevalue("redis_url"), request.getfixturevalue("redis_prefix")
    return lambda: RedisLimits(url, prefix=prefix, policy=POLICY, clock=clock)


def opened(limits: PartnerLimits, connection: PartnerConnection = ACME) -> None:
    for _ in range(POLICY.failure_threshold):
        with limits.admit(connection, deadline=now_only()) as permit:
            permit.failed()
    assert limits.circuit(connection).state is CircuitState.OPEN


# --- Slots ---


def test_the_cap_is_held_across_instances(store):
    web, worker = store(), store()
    first = web.admit(ACME, deadline=now_only())
    worker.admit(ACME, deadline=now_only())

    with pytest.raises(SlotsBusy):
        web.admit(ACME, deadline=now_only())
    with pytest.raises(SlotsBusy):
        worker.admit(ACME, deadline=now_only())
    first.close()

    assert worker.admit(ACME, deadline=now_only()).probe is False


def test_partners_have_slots_of_their_own(store):
    limits = store()
    for _ in range(2):
        limits.admit(ACME, deadline=now_only())

    other = limits.admit(partner(42), deadline=now_only())

    assert other.probe is False
    with pytest.raises(SlotsBusy):
        limits.admit(ACME, deadline=now_only())


def test_a_lease_that_ran_out_frees_its_slot_and_its_holder_is_told(store, clock, caplog):
    web, worker = store(), store()
    lost = web.admit(partner(cap=1), deadline=now_only())  # its holder hangs, or died
    clock.advance(LEASE - 0.01)
    with pytest.raises(SlotsBusy):
        worker.admit(partner(cap=1), deadline=now_only())

    clock.advance(0.01)
    taken_over = worker.admit(partner(cap=1), deadline=now_only())
    with caplog.at_level(logging.WARNING, logger="partners.http.limits"):
        lost.close()

    assert taken_over.probe is False
    assert [record.getMessage() for record in caplog.records] == [
        "partner acme: a slot's lease ran out before its call ended and was taken by another "
        "call; the concurrency cap may have been exceeded meanwhile"
    ]
    with pytest.raises(SlotsBusy):  # the late holder did not free the new holder's slot
        web.admit(partner(cap=1), deadline=now_only())


def test_a_lowered_cap_holds_back_new_calls_until_the_calls_in_flight_are_under_it(store):
    limits = store()
    first, second, third = (limits.admit(partner(cap=3), deadline=now_only()) for _ in "abc")
    first.close()
    second.close()

    with pytest.raises(SlotsBusy):  # one call from before is still in flight, and the cap is 1
        limits.admit(partner(cap=1), deadline=now_only())
    third.close()

    assert limits.admit(partner(cap=1), deadline=now_only()).probe is False
    with pytest.raises(SlotsBusy):
        limits.admit(partner(cap=1), deadline=now_only())


def test_a_raised_cap_lets_more_calls_in(store):
    limits = store()
    limits.admit(partner(cap=1), deadline=now_only())

    limits.admit(partner(cap=3), deadline=now_only())
    limits.admit(partner(cap=3), deadline=now_only())

    with pytest.raises(SlotsBusy):
        limits.admit(partner(cap=3), deadline=now_only())


@pytest.mark.django_db(transaction=True)
def test_a_call_waits_for_a_slot_given_back_before_its_deadline(store, caplog):
    """Each thread is a caller of its own (its own database connection)."""
    caplog.set_level(logging.DEBUG, logger="partners.http.limits")
    web, worker = store(), store()
    holding = web.admit(partner(cap=1), deadline=now_only())
    admitted = []

    def wait_for_a_slot() -> None:
        try:
            admitted.append(worker.admit(partner(cap=1), deadline=time.monotonic() + 60))
        finally:
            connections.close_all()

    waiter = threading.Thread(target=wait_for_a_slot)
    waiter.start()
    try:
        wait_for(
            lambda: (
                "partner acme: all 1 slots taken, waiting"
                in [record.getMessage() for record in caplog.records]
            )
        )
        assert admitted == []
        holding.close()
        wait_for(lambda: admitted)
    finally:
        holding.close()
        waiter.join()

    assert admitted[0].probe is False


@pytest.mark.django_db(transaction=True)
def test_no_slot_ever_has_two_holders(store, clock, caplog):
    """Eight callers take and give back slots as fast as they can; never more than the cap
    hold one at once, and no holder finds its slot taken over when it gives it back. (Proves
    the most on PostgreSQL, where the updates really race.)"""
    caplog.set_level(logging.WARNING, logger="partners.http.limits")
    limits = store()
    connection = partner(cap=2, read_timeout_ms=60_000)
    lock = threading.Lock()
    in_flight = [0]
    most = [0]
    errors: list[BaseException] = []

    def caller() -> None:
        try:
            for _ in range(15):
                with limits.admit(connection, deadline=time.monotonic() + 60) as permit:
                    with lock:
                        in_flight[0] += 1
                        most[0] = max(most[0], in_flight[0])
                    time.sleep(0.001)  # a call's work: lets the others race for slots
                    with lock:
                        in_flight[0] -= 1
                    permit.succeeded()
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connections.close_all()

    callers = [threading.Thread(target=caller) for _ in range(8)]
    for thread in callers:
        thread.start()
    for thread in callers:
        thread.join()

    assert errors == []
    assert 1 <= most[0] <= 2
    assert caplog.records == []
    assert [limits.admit(connection, deadline=now_only()).probe for _ in "ab"] == [False, False]


# --- Circuits ---


def test_failures_from_every_instance_open_the_circuit_for_all(store):
    web, worker = store(), store()
    for limits in (web, worker, web):
        with limits.admit(ACME, deadline=now_only()) as permit:
            permit.failed()

    for limits in (web, worker):
        with pytest.raises(CircuitRefused):
            limits.admit(ACME, deadline=now_only())
    assert worker.circuit(ACME).state is CircuitState.OPEN


def test_a_success_anywhere_resets_the_count(store):
    web, worker = store(), store()
    for _ in range(2):
        with web.admit(ACME, deadline=now_only()) as permit:
            permit.failed()
    with worker.admit(ACME, deadline=now_only()) as permit:
        permit.succeeded()

    for _ in range(2):
        with web.admit(ACME, deadline=now_only()) as permit:
            permit.failed()

    assert web.circuit(ACME).state is CircuitState.CLOSED
    assert web.circuit(ACME).failures == 2


def test_a_success_does_not_undo_failures_counted_after_it_was_admitted(store):
    """It cannot contradict what happened since it started."""
    web, worker = store(), store()
    early = web.admit(ACME, deadline=now_only())
    for _ in range(2):
        with worker.admit(ACME, deadline=now_only()) as permit:
            permit.failed()

    with early:
        early.succeeded()

    assert web.circuit(ACME).failures == 2


def test_one_probe_among_all_instances_and_its_success_closes(store, clock):
    web, worker = store(), store()
    opened(web)
    with pytest.raises(CircuitRefused):
        worker.admit(ACME, deadline=now_only())
    clock.advance(POLICY.cooldown_seconds)

    probe = web.admit(ACME, deadline=now_only())
    with pytest.raises(CircuitRefused):
        worker.admit(ACME, deadline=now_only())
    with probe:
        probe.succeeded()

    assert probe.probe is True
    assert worker.admit(ACME, deadline=now_only()).probe is False
    assert worker.circuit(ACME).state is CircuitState.CLOSED


def test_a_failed_probe_reopens_for_another_cooldown(store, clock):
    limits = store()
    opened(limits)
    clock.advance(POLICY.cooldown_seconds)

    with limits.admit(ACME, deadline=now_only()) as probe:
        probe.failed()

    assert limits.circuit(ACME).state is CircuitState.OPEN
    clock.advance(POLICY.cooldown_seconds - 1)
    with pytest.raises(CircuitRefused):
        limits.admit(ACME, deadline=now_only())
    clock.advance(1)
    assert limits.admit(ACME, deadline=now_only()).probe is True


@pytest.mark.parametrize("outcome", ["none", "succeeded", "failed"])
def test_a_call_let_through_before_the_circuit_opened_does_not_end_the_probe(store, clock, outcome):
    web, worker = store(), store()
    straggler = web.admit(ACME, deadline=now_only())
    opened(worker)
    clock.advance(POLICY.cooldown_seconds)
    probe = worker.admit(ACME, deadline=now_only())

    with straggler:
        if outcome != "none":
            getattr(straggler, outcome)()

    assert probe.probe is True
    with pytest.raises(CircuitRefused):
        web.admit(ACME, deadline=now_only())
    assert web.circuit(ACME).state is CircuitState.HALF_OPEN


def test_a_probe_whose_process_died_hands_its_turn_on_after_its_lease(store, clock):
    web, worker = store(), store()
    opened(web)
    clock.advance(POLICY.cooldown_seconds)
    web.admit(ACME, deadline=now_only())  # the probe, never closed: its process was killed
    clock.advance(LEASE - 0.01)
    with pytest.raises(CircuitRefused):
        worker.admit(ACME, deadline=now_only())

    clock.advance(0.01)

    assert worker.admit(ACME, deadline=now_only()).probe is True


def test_a_new_configuration_version_starts_with_a_closed_circuit(store):
    limits = store()
    opened(limits, partner(version=1))

    corrected = limits.admit(partner(version=2), deadline=now_only())

    assert corrected.probe is False
    assert limits.circuit(partner(version=2)).state is CircuitState.CLOSED
    with pytest.raises(CircuitRefused):
        limits.admit(partner(version=1), deadline=now_only())


# --- Each backend's own ---


def test_a_call_inside_a_transaction_is_refused_and_takes_no_slot(clock):
    limits = DatabaseLimits(policy=POLICY, clock=clock)

    with pytest.raises(RuntimeError) as raised, transaction.atomic():
        limits.admit(ACME, deadline=now_only())

    assert str(raised.value) == IN_TRANSACTION_MESSAGE
    assert not PartnerSlot.objects.exclude(holder="").exists()


@pytest.mark.django_db(transaction=True)
def test_the_common_case_costs_two_statements_in_the_database(clock):
    limits = DatabaseLimits(policy=POLICY, clock=clock)
    limits.admit(ACME, deadline=now_only()).close()  # creates the partner's slot rows

    with (
        CaptureQueriesContext(default_connection) as queries,
        limits.admit(ACME, deadline=now_only()) as permit,
    ):
        permit.succeeded()

    assert [query["sql"].split()[0] for query in queries] == ["UPDATE", "UPDATE"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_callers_skip_a_slot_another_caller_is_taking(clock):
    """While another connection has slot 0 locked (mid-take), a caller takes slot 1 at once
    instead of queueing behind the lock: FOR UPDATE SKIP LOCKED."""
    limits = DatabaseLimits(policy=POLICY, clock=clock)
    limits.admit(ACME, deadline=now_only()).close()  # creates the partner's slot rows
    locked, release = threading.Event(), threading.Event()

    def lock_slot_zero() -> None:
        try:
            with transaction.atomic():
                PartnerSlot.objects.select_for_update().get(partner_id=ACME.partner_id, number=0)
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    locker = threading.Thread(target=lock_slot_zero)
    locker.start()
    try:
        wait_for(locked.is_set)
        permit = limits.admit(ACME, deadline=now_only())
        held = dict(PartnerSlot.objects.exclude(holder="").values_list("number", "holder"))
    finally:
        release.set()
        locker.join()

    assert held == {1: permit._token}


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_redis_fails_the_call_clearly_without_calling(serve, allow, make_connection):
    server = serve(lambda request: pytest.fail("the partner must not be called"))
    allow(server.base_url)
    connection = make_connection(server.base_url)
    # Port 1 on loopback: nothing listens there.
    client = PartnerHttpClient(limits=RedisLimits("redis://127.0.0.1:1/0", prefix="unused:"))

    with pytest.raises(PartnerUnavailable) as raised:
        client.send(connection, operation="lookup", method="GET", path="/x", idempotent=False)

    assert raised.value.message == (
        "The store of concurrency slots and circuit breakers cannot be reached."
    )
    assert server.received == []


def test_redis_errors_are_limits_unavailable():
    limits = RedisLimits("redis://127.0.0.1:1/0", prefix="unused:")

    with pytest.raises(LimitsUnavailable):
        limits.admit(ACME, deadline=now_only())


@pytest.fixture
def short_lived_redis(tmp_path) -> Iterator[tuple[str, subprocess.Popen]]:
    """A Redis server of the test's own on a free port; the test stops it when it likes."""
    port = free_port()
    server = subprocess.Popen(
        [
            *("redis-server", "--port", str(port), "--bind", "127.0.0.1"),
            *("--save", "", "--dir", str(tmp_path)),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"

    def answers() -> bool:
        try:
            return bool(redis.Redis.from_url(url).ping())
        except RedisError:
            return False

    wait_for(answers)
    yield url, server
    server.kill()
    server.wait()


def test_a_slot_that_cannot_be_given_back_is_left_to_its_lease(short_lived_redis, caplog):
    """The call is over and its result stands: a store gone meanwhile is logged, not raised."""
    url, server = short_lived_redis
    limits = RedisLimits(url, prefix="gone:")
    permit = limits.admit(ACME, deadline=now_only())
    server.kill()
    server.wait()

    with caplog.at_level(logging.WARNING, logger="partners.http.limits"):
        permit.close()

    assert [record.getMessage() for record in caplog.records] == [
        "partner acme: could not give a slot back (the limits store is unreachable); it comes "
        "back when its lease ends"
    ]
