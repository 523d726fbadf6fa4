"""Partner limits across real OS processes (tests/partners/http/limits_caller.py), through each
backend: two processes calling one sandbox partner keep to its cap together, as the partner
itself counts; slots held by a process killed with SIGKILL come back when their lease ends."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection as default_connection

from partners.http.client import PartnerHttpClient
from partners.http.connection import connection_for
from partners.http.limits import (
    DatabaseLimits,
    PartnerLimits,
    Permit,
    RedisLimits,
    SlotsBusy,
    lease_seconds,
)
from partners.models import Partner
from tests.conftest import REPO, database_url, wait_for
from tests.factories import PartnerFactory
from tests.partners.http.helpers import carried_gtin

pytestmark = pytest.mark.django_db(transaction=True)

PROCESS_SECONDS = 60


@pytest.fixture(params=["database", "redis"])
def backend(request) -> dict[str, str]:
    """The limits settings of every process in the test, as environment variables."""
    if request.param == "database":
        return {"PARTNER_LIMITS_BACKEND": "database"}
    return {
        "PARTNER_LIMITS_BACKEND": "redis",
        "PARTNER_LIMITS_REDIS_URL": request.getfixturevalue("redis_url"),
        "PARTNER_LIMITS_REDIS_PREFIX": request.getfixturevalue("redis_prefix"),
    }


@pytest.fixture
def backend_limits(backend) -> PartnerLimits:
    """The same backend as the other processes use, in this one."""
    return limits_in_this_process(backend, clock=time.time)


def limits_in_this_process(backend: dict[str, str], clock: Callable[[], float]) -> PartnerLimits:
    if backend["PARTNER_LIMITS_BACKEND"] == "redis":
        return RedisLimits(
            backend["PARTNER_LIMITS_REDIS_URL"],
            prefix=backend["PARTNER_LIMITS_REDIS_PREFIX"],
            clock=clock,
        )
    return DatabaseLimits(clock=clock)


class Caller:
    """One limits_caller process; what it prints goes to a file the test reads."""

    def __init__(self, process: subprocess.Popen, output: Path) -> None:
        self.process = process
        self.output = output

    def lines(self) -> list[str]:
        return self.output.read_text().splitlines()

    def results(self) -> list[object]:
        self.process.wait(timeout=PROCESS_SECONDS)
        assert self.process.returncode == 0, self.output.read_text()
        return json.loads(self.lines()[-1])["results"]


@pytest.fixture
def start(tmp_path, backend, settings, fresh_sandbox) -> Iterator[Callable[..., Caller]]:
    started: list[Caller] = []

    def run(*arguments: object) -> Caller:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "endless_aisle.settings.test",
            "DATABASE_URL": database_url(default_connection.settings_dict),
            "PARTNER_HOST_ALLOWLIST": ",".join(settings.PARTNER_HOST_ALLOWLIST),
            **backend,
        }
        output = tmp_path / f"caller-{len(started)}.out"
        with output.open("w") as file:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.partners.http.limits_caller", *map(str, arguments)],
                cwd=REPO,
                env=environment,
                stdout=file,
                stderr=subprocess.STDOUT,
            )
        started.append(Caller(process, output))
        return started[-1]

    yield run
    for caller in started:
        if caller.process.poll() is None:
            caller.process.kill()
            caller.process.wait()


@pytest.fixture
def threadline_partner(fresh_sandbox, allow) -> Callable[..., Partner]:
    sandbox = fresh_sandbox.threadline
    allow(sandbox.base_url)

    def create(**fields) -> Partner:
        return PartnerFactory(
            slug="threadline",
            base_url=sandbox.base_url,
            auth_type=Partner.AuthType.API_KEY_HEADER,
            api_key_name="X-Api-Key",
            credentials={"api_key": sandbox.api_key},
            **fields,
        )

    return create


def test_two_processes_together_keep_to_the_partners_cap(
    start, threadline_partner, fresh_sandbox, backend_limits
):
    """Two slots, two processes, two calls each. The partner holds the requests it gets: two
    arrive, and the other two calls wait for a slot, until the partner lets them all go.
    Per-process caps would have let all four in, and none would have waited."""
    sandbox = fresh_sandbox.threadline
    partner = threadline_partner(max_concurrent_requests=2, read_timeout_ms=30_000)
    path = f"/v1/products/by-barcode/{carried_gtin(sandbox)}"
    # One call first, as the partner's first ever would be: it creates the slot rows, which
    # callers racing to create them could otherwise each find taken for a moment.
    PartnerHttpClient(limits=backend_limits).send(
        connection_for(partner), operation="lookup", method="GET", path=path, idempotent=False
    )
    sandbox.concurrency.reset()
    sandbox.hold_set(True)
    try:
        callers = [start("call", partner.pk, path, 2) for _ in range(2)]
        wait_for(
            lambda: (
                sandbox.concurrency.in_flight == 2
                and sum(caller.lines().count("waiting") for caller in callers) >= 2
            ),
            seconds=PROCESS_SECONDS,
        )
    finally:
        sandbox.hold_set(False)

    results = [result for caller in callers for result in caller.results()]
    assert results == [200, 200, 200, 200]
    assert sandbox.concurrency.peak == 2


def test_slots_held_by_a_killed_process_come_back_when_their_lease_ends(
    start, threadline_partner, fresh_sandbox, backend
):
    partner = threadline_partner(
        max_concurrent_requests=2, connect_timeout_ms=50, read_timeout_ms=1000
    )
    connection = connection_for(partner)
    holder = start("hold", partner.pk, 2)
    holding = wait_for(
        lambda: [line for line in holder.lines() if line.startswith("holding ")],
        seconds=PROCESS_SECONDS,
    )
    # Taken after this moment, so both leases last at least until `leases_end`.
    leases_end = float(holding[0].split()[1]) + lease_seconds(connection)

    os.kill(holder.process.pid, signal.SIGKILL)
    holder.process.wait(timeout=PROCESS_SECONDS)

    # While the leases are live the slots stay taken: asked at a moment inside them.
    inside = limits_in_this_process(backend, clock=lambda: leases_end - 0.5)
    with pytest.raises(SlotsBusy):
        inside.admit(connection, deadline=time.monotonic())
    # Once they have ended (each when its own lease does), both come back to whoever asks.
    limits = limits_in_this_process(backend, clock=time.time)
    permits: list[Permit] = []

    def both_back() -> bool:
        with contextlib.suppress(SlotsBusy):
            permits.append(limits.admit(connection, deadline=time.monotonic()))
        return len(permits) == 2

    wait_for(both_back, seconds=lease_seconds(connection) + PROCESS_SECONDS)
    assert time.time() >= leases_end
    with pytest.raises(SlotsBusy):
        limits.admit(connection, deadline=time.monotonic())
    for permit in permits:
        permit.close()

    response = PartnerHttpClient(limits=limits).send(
        connection,
        operation="lookup",
        method="GET",
        path=f"/v1/products/by-barcode/{carried_gtin(fresh_sandbox.threadline)}",
        idempotent=False,
    )
    assert response.status == 200
