"""A lookup and the database: the caller's queries do not grow with the partners (the call
log's rows are written in one INSERT), worker threads close their connections and need none
with the limits in Redis, and no partner is called inside a transaction."""

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.db.backends.signals import connection_created
from django.test.utils import CaptureQueriesContext

from catalog.fanout import OutcomeStatus, PartnerCallsInTransaction, partner_calls_wait
from catalog.lookup import catalog_lookup
from catalog.search import catalog_search, similar_items
from partners.http import client as http_client
from partners.http.limits import RedisLimits
from partners.models import PartnerCall
from partners.sandbox.catalog import PartnerName
from tests.catalog.conftest import gtin_carried_by, partner_calls, price_doubled
from tests.conftest import wait_for

pytestmark = partner_calls

ALL = (PartnerName.THREADLINE, PartnerName.STRIDEWELL, PartnerName.HEARTH, PartnerName.BAYWATER)


@pytest.fixture
def worker_connections():
    """Every database connection opened outside the test's own thread, as it was opened."""
    opened = []
    main = threading.current_thread()

    def record(sender, connection, **kwargs):
        if threading.current_thread() is not main:
            opened.append(connection)

    connection_created.connect(record)
    yield opened
    connection_created.disconnect(record)


def statements(captured: CaptureQueriesContext) -> list[tuple[str, str]]:
    """Each statement run, as its verb and its first table, without transaction control
    (which SQLite's log shows and PostgreSQL's does not)."""
    control = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT")
    return [
        re.match(r'(\w+).*?(?:FROM|INTO) "(\w+)"', query["sql"]).groups()
        for query in captured.captured_queries
        if not query["sql"].startswith(control)
    ]


@pytest.mark.parametrize("count", [1, 4])
def test_the_callers_queries_do_not_grow_with_the_partners(live, sandbox, count):
    gtin = gtin_carried_by(sandbox, *ALL)
    partners = live[:count]

    with CaptureQueriesContext(connection) as asking:
        asked = catalog_lookup(code=gtin, partners=partners, selling_price=price_doubled)
    with CaptureQueriesContext(connection) as cached_lookup:
        cached = catalog_lookup(code=gtin, partners=partners, selling_price=price_doubled)

    # The partners' live versions (for the cache keys), then every attempt's call-log row at
    # once; from the cache, nothing is called and nothing logged.
    live_versions = ("SELECT", "partners_partnerliveversion")
    assert statements(asking) == [live_versions, ("INSERT", "partners_partnercall")]
    assert statements(cached_lookup) == [live_versions]
    assert [o.status for o in asked.outcomes] == [OutcomeStatus.ANSWERED] * count
    assert [o.from_cache for o in cached.outcomes] == [True] * count
    # Still one row per attempt.
    calls = PartnerCall.objects.filter(operation="lookup")
    assert sorted(call.partner_id for call in calls) == sorted(p.pk for p in partners)


def test_every_attempt_is_logged_with_its_outcome_from_the_batch(live, sandbox, backoff_waits):
    sandbox.threadline.faults_set("malformed", operations=["lookup_code"])
    sandbox.stridewell.faults_set("5xx")

    result = catalog_lookup(
        code=gtin_carried_by(sandbox, *ALL), partners=live, selling_price=price_doubled
    )

    statuses = {o.partner.slug: o.status for o in result.outcomes}
    assert statuses["threadline"] == statuses["stridewell"] == OutcomeStatus.NOT_ANSWERING
    logged = {}
    for call in PartnerCall.objects.filter(operation="lookup").order_by("attempt"):
        logged.setdefault(call.partner.slug, []).append((call.attempt, call.outcome))
    # The adapter corrected the answered call's outcome before the caller wrote it, and each
    # retry has its row.
    assert logged["threadline"] == [(1, "bad_response")]
    attempts = live[1].read_attempts
    assert logged["stridewell"] == [(n, "unavailable") for n in range(1, attempts + 1)]
    assert len(backoff_waits) == attempts - 1
    assert logged["hearth"] == logged["baywater"] == [(1, "ok")]


def test_worker_threads_close_their_connections(live, sandbox, worker_connections):
    gtin = gtin_carried_by(sandbox, *ALL)

    catalog_lookup(code=gtin, partners=live, selling_price=price_doubled)
    catalog_search(query="shirt", partners=live, selling_price=price_doubled)
    similar_items(
        partner=live[0], partner_product_id=sandbox.threadline.catalog.offers[0].product_number
    )

    # One per partner call that reached the HTTP client (its slot, in the database here): 4
    # lookups, 3 searches (Baywater offers none: nothing is sent, no connection opened) and 1
    # similar.
    assert len(worker_connections) >= 8
    assert [wrapper.connection for wrapper in worker_connections] == [None] * len(
        worker_connections
    )


@pytest.fixture
def limits_in_redis(monkeypatch, redis_url, redis_prefix):
    """The process's HTTP client keeps its slots and circuits in Redis, as in production."""
    client = http_client.PartnerHttpClient(limits=RedisLimits(redis_url, prefix=redis_prefix))
    monkeypatch.setattr(http_client, "_shared_client", client)


def test_with_the_limits_in_redis_worker_threads_use_no_database(
    live, sandbox, limits_in_redis, worker_connections
):
    gtin = gtin_carried_by(sandbox, *ALL)

    asked = catalog_lookup(code=gtin, partners=live, selling_price=price_doubled)
    catalog_search(query="shirt", partners=live, selling_price=price_doubled)

    assert [o.status for o in asked.outcomes] == [OutcomeStatus.ANSWERED] * len(live)
    assert worker_connections == []
    assert PartnerCall.objects.filter(operation="lookup").count() == len(live)
    assert PartnerCall.objects.filter(operation="search").count() == 3


@contextmanager
def threadline_held_past_the_deadline(onboarded, sandbox) -> Iterator[None]:
    """Threadline holds its answer while a lookup with a 0.2 s deadline gives up on it. The
    block runs while the held call is still in flight; then Threadline answers."""
    sandbox.threadline.hold_set(True)
    try:
        result = catalog_lookup(
            code=gtin_carried_by(sandbox, *ALL),
            partners=[onboarded["threadline"]],
            selling_price=price_doubled,
            deadline_seconds=0.2,
        )
        # However slow the machine, the request reaches the partner (which holds it) after the
        # thread took its slot.
        wait_for(lambda: sandbox.threadline.concurrency.in_flight == 1)
        yield
    finally:
        sandbox.threadline.hold_set(False)
    assert result.outcomes[0].status == OutcomeStatus.NOT_ANSWERING


def test_a_thread_left_behind_by_the_deadline_closes_its_connection_too(
    onboarded, sandbox, worker_connections
):
    with threadline_held_past_the_deadline(onboarded, sandbox):
        assert [wrapper.connection is not None for wrapper in worker_connections] == [True]

    wait_for(lambda: worker_connections[0].connection is None)
    assert PartnerCall.objects.filter(operation="lookup").count() == 1


def test_a_call_left_behind_by_the_deadline_can_be_waited_for(onboarded, sandbox):
    with threadline_held_past_the_deadline(onboarded, sandbox):
        assert partner_calls_wait(0.05) is False  # still in flight

    assert partner_calls_wait(30) is True
    assert PartnerCall.objects.filter(operation="lookup").count() == 1


def test_no_partner_is_called_inside_a_transaction(live, sandbox):
    gtin = gtin_carried_by(sandbox, *ALL)

    with pytest.raises(PartnerCallsInTransaction) as raised, transaction.atomic():
        catalog_lookup(code=gtin, partners=live, selling_price=price_doubled)

    assert str(raised.value) == (
        "Partners are called outside any transaction: the page's transaction would stay "
        "open until the slowest partner answered. Ask them before opening one."
    )
    assert [partner.concurrency.peak for partner in sandbox] == [0, 0, 0, 0]
    assert PartnerCall.objects.count() == 0
    assert not connection.in_atomic_block
