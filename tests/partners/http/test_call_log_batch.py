"""Call-log rows kept in a batch: written only when the batch is, in one INSERT, each with the
time its attempt ended and any outcome corrected meanwhile; outside a batch, at once."""

import threading

import pytest
from django.db import connections

from partners.http.call_log import (
    CallLogBatch,
    call_log_batched,
    call_outcome_set,
    call_rows_write,
)
from partners.models import PartnerCall
from tests.partners.http.local_server import Reply

pytestmark = pytest.mark.django_db

NOT_JSON = Reply(200, {"Content-Type": "text/html"}, b"<html>")


def rows_of(batch: CallLogBatch) -> list[PartnerCall]:
    """The batch's rows, for this thread to write: its work has ended, and it was waiting."""
    batch.work_ends()
    return batch.waiter_takes()


@pytest.fixture
def lookup(client, serve, allow, make_connection):
    """Send one lookup to a server answering HTML; the response."""
    server = serve(lambda request: NOT_JSON)
    allow(server.base_url)
    connection = make_connection(server.base_url)

    def send():
        return client.send(connection, operation="lookup", method="GET", path="/x", idempotent=True)

    return send


def test_rows_in_a_batch_wait_for_the_batch_to_be_written(lookup, django_assert_num_queries):
    batch = CallLogBatch()
    with call_log_batched(batch):
        first, second = lookup(), lookup()
    assert PartnerCall.objects.count() == 0
    ended = [first.call_row.created_at, second.call_row.created_at]

    with django_assert_num_queries(1):
        call_rows_write(rows_of(batch))

    calls = PartnerCall.objects.order_by("pk")
    assert [call.pk for call in calls] == [first.call_row.pk, second.call_row.pk]
    # When each attempt ended, not when the batch was written.
    assert [call.created_at for call in calls] == ended
    assert rows_of(batch) == []


def test_an_outcome_corrected_in_the_batch_is_written_corrected(lookup):
    batch = CallLogBatch()
    with call_log_batched(batch):
        response = lookup()
        call_outcome_set(response, PartnerCall.Outcome.BAD_RESPONSE, "expected JSON")

    call_rows_write(rows_of(batch))

    call = PartnerCall.objects.get()
    assert (call.outcome, call.error) == ("bad_response", "expected JSON")


def test_outside_a_batch_each_row_is_written_at_once(lookup):
    batch = CallLogBatch()
    with call_log_batched(batch):
        lookup()
    response = lookup()

    assert list(PartnerCall.objects.values_list("pk", flat=True)) == [response.call_row.pk]
    assert len(rows_of(batch)) == 1


@pytest.mark.django_db(transaction=True)  # another thread writes
def test_a_batch_belongs_to_the_thread_that_opened_it(lookup):
    def lookup_in_a_thread():
        try:
            lookup()
        finally:
            connections.close_all()

    batch = CallLogBatch()
    other = threading.Thread(target=lookup_in_a_thread)
    with call_log_batched(batch):
        other.start()
        other.join()

    assert rows_of(batch) == []
    assert PartnerCall.objects.count() == 1


def test_the_work_keeps_its_rows_for_itself_once_its_waiter_has_gone(lookup):
    batch = CallLogBatch()
    assert batch.waiter_takes() == []  # the waiter stops waiting while the work still runs
    with call_log_batched(batch):
        response = lookup()

    assert batch.work_ends() == [response.call_row]
    assert batch.waiter_takes() == []
