"""The outbox without a worker: checkout succeeds while the broker is down, rows wait
unpublished, the sweeper publishes only those never published and old enough. What was
published is read back from SQS (moto's server). With a worker: test_pipeline_worker.py."""

from contextlib import ExitStack
from datetime import timedelta

import pytest
from django.utils import timezone

from endless_aisle.celery import app
from orders.models import Order, OutboxMessage
from orders.outbox import outbox_messages_for, outbox_publish, outbox_sweep
from tests.orders.worker_fixtures import broker_down, messages_in, queue_purged, queue_url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def empty_queue(sqs_emulator):
    queue_purged()
    yield
    queue_purged()  # so no other module's worker takes these messages


@pytest.fixture
def taken_while_broker_down(cart_of, checkout) -> Order:
    cart = cart_of(("threadline", 0), ("baywater", 0))
    with broker_down():
        return checkout(cart)


def aged(order: Order, seconds: int) -> None:
    outbox_messages_for(order).update(created_at=timezone.now() - timedelta(seconds=seconds))


def test_checkout_succeeds_while_the_broker_is_down_and_its_rows_wait(taken_while_broker_down):
    order = taken_while_broker_down

    assert Order.objects.get() == order
    assert list(outbox_messages_for(order).values_list("published_at", flat=True)) == [None, None]
    assert messages_in(queue_url()) == 0


def test_the_sweeper_publishes_only_rows_never_published_and_older_than_its_threshold(
    taken_while_broker_down,
):
    order = taken_while_broker_down
    first, second = outbox_messages_for(order)
    aged(order, seconds=120)
    OutboxMessage.objects.filter(pk=second.pk).update(created_at=timezone.now())

    swept = outbox_sweep(older_than_seconds=60)
    swept_again = outbox_sweep(older_than_seconds=60)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (swept, swept_again) == (1, 0)
    assert first.published_at is not None
    assert second.published_at is None  # young: its own after-commit publish may be running
    assert messages_in(queue_url()) == 1


def test_a_sweep_while_the_broker_is_still_down_raises_and_leaves_the_rows(
    taken_while_broker_down,
):
    order = taken_while_broker_down
    aged(order, seconds=120)

    with broker_down(), pytest.raises(Exception):  # noqa: B017 - kombu's or boto's
        outbox_sweep(older_than_seconds=60)

    assert not outbox_messages_for(order).filter(published_at__isnull=False).exists()
    assert messages_in(queue_url()) == 0


def test_publishing_published_rows_again_needs_republish(cart_of, checkout):
    order = checkout(cart_of(("threadline", 0)))
    ids = list(outbox_messages_for(order).values_list("pk", flat=True))

    again = outbox_publish(message_ids=ids)
    redriven = outbox_publish(message_ids=ids, republish=True)

    assert (again, redriven) == (0, 1)
    assert messages_in(queue_url()) == 2


def test_a_broker_lost_midway_leaves_unpublished_only_the_rows_it_did_not_take(
    taken_while_broker_down, monkeypatch
):
    order = taken_while_broker_down
    ids = list(outbox_messages_for(order).values_list("pk", flat=True))
    send_task = app.send_task

    with ExitStack() as broker:

        def send_then_lose_the_broker(*args, **kwargs):
            sent = send_task(*args, **kwargs)
            broker.enter_context(broker_down())
            return sent

        monkeypatch.setattr(app, "send_task", send_then_lose_the_broker)
        with pytest.raises(Exception):  # noqa: B017 - kombu's or boto's
            outbox_publish(message_ids=ids)

    first, second = outbox_messages_for(order)
    assert first.published_at is not None
    assert second.published_at is None  # the sweeper's
    assert messages_in(queue_url()) == 1
