"""Exactly once, proven end to end: checkout publishes to SQS (moto's server), a real Celery
worker process takes the message and calls the sandbox partner over HTTP. The sandbox's own
records say how many orders the partner holds.

The poison-message test comes first: it fills the dead-letter queue before the module's worker
starts (a worker would take the message), then starts it for the re-drive.
"""

import pytest

from endless_aisle.queues import sqs_client
from orders.dead_letters import dead_letters_record
from orders.events import EventType
from orders.models import Order, OrderEvent, OutboxMessage, PartnerOrder
from orders.outbox import outbox_messages_for, outbox_publish
from orders.placement_services import partner_order_redrive
from orders.tasks import dead_letters_record_task, outbox_sweep_task
from partners.models import Partner, PartnerCall, PartnerLiveVersion
from tests.conftest import wait_for
from tests.orders.worker_fixtures import (
    MAX_RECEIVE_COUNT,
    Worker,
    broker_down,
    messages_in,
    queue_drained,
    queue_purged,
    queue_url,
    worker_environment,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def empty_queues(sqs_emulator):
    queue_purged()


def status_of(partner_order: PartnerOrder) -> str:
    partner_order.refresh_from_db()
    return partner_order.status


def placed(partner_order: PartnerOrder, seconds: float = 30) -> None:
    wait_for(lambda: status_of(partner_order) == "accepted", seconds=seconds)


def accepted_events(partner_order: PartnerOrder) -> int:
    return OrderEvent.objects.filter(
        partner_order=partner_order,
        type=EventType.PARTNER_ORDER_STATUS_CHANGED,
        data__to="accepted",
    ).count()


def test_a_poison_message_is_dead_lettered_recorded_and_re_driven_once(
    request, cart_of, checkout, sandbox, settings
):
    # Given a message received MAX_RECEIVE_COUNT times and never finished, as by workers that
    # die on it, before any worker runs: SQS moves it to the dead-letter queue
    client = sqs_client()
    url = queue_url()
    client.set_queue_attributes(
        QueueUrl=url,
        Attributes={
            "RedrivePolicy": (
                f'{{"deadLetterTargetArn": "{_arn(client, queue_url(dead_letters=True))}", '
                f'"maxReceiveCount": {MAX_RECEIVE_COUNT}}}'
            )
        },
    )
    order = checkout(cart_of(("threadline", 0)))
    [partner_order] = order.partner_orders.all()
    dead_letters = queue_url(dead_letters=True)

    def received_again_unless_dead_lettered() -> bool:
        client.receive_message(QueueUrl=url, VisibilityTimeout=0)
        return messages_in(dead_letters) == 1

    wait_for(received_again_unless_dead_lettered)
    assert messages_in(url) == 0

    # When the beat task reads the dead-letter queue
    recorded = dead_letters_record_task()

    # Then it is recorded against the partner order, which waits for a manager
    assert recorded == 1
    dead = OrderEvent.objects.get(type=EventType.PARTNER_ORDER_DEAD_LETTERED)
    assert (dead.partner_order, dead.data["status"]) == (partner_order, "pending")
    assert dead.data["receive_count"] == MAX_RECEIVE_COUNT + 1
    assert messages_in(queue_url(dead_letters=True)) == 0
    assert sandbox.threadline.counters().order_requests == 0

    # When a manager re-drives it (twice: a second press) and a worker runs
    request.getfixturevalue("pipeline_worker")
    partner_order_redrive(partner_order_id=partner_order.pk, actor="manager")
    placed(partner_order)
    partner_order_redrive(partner_order_id=partner_order.pk, actor="manager")
    queue_drained()

    # Then it is placed once; the second press re-drove nothing
    assert sandbox.threadline.counters().orders_created == 1
    assert sandbox.threadline.counters().order_requests == 1
    assert OrderEvent.objects.filter(type=EventType.PARTNER_ORDER_REDRIVEN).count() == 1
    assert dead_letters_record() == 0


def _arn(client, url: str) -> str:
    return client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]


def test_broker_down_at_checkout_the_sweeper_publishes_later_and_it_is_placed_once(
    pipeline_worker, cart_of, checkout, sandbox, settings
):
    # Given the broker is down while the associate checks out
    cart = cart_of(("threadline", 0))
    with broker_down():
        order = checkout(cart)

    # Then the order is taken, its outbox row waits unpublished and nothing reached the partner
    [partner_order] = order.partner_orders.all()
    [message] = outbox_messages_for(order)
    assert message.published_at is None
    assert status_of(partner_order) == "pending"
    assert sandbox.threadline.counters().order_requests == 0

    # When the broker is back and the beat's sweeper runs (twice)
    settings.ORDER_OUTBOX_SWEEP_AFTER_SECONDS = 0
    swept = outbox_sweep_task()
    placed(partner_order)
    queue_drained()

    # Then the worker placed it, once
    assert (swept, outbox_sweep_task()) == (1, 0)
    assert OutboxMessage.objects.get().published_at is not None
    assert sandbox.threadline.counters().orders_created == 1


def test_the_same_message_delivered_twice_places_one_order(
    pipeline_worker, cart_of, checkout, sandbox
):
    order = checkout(cart_of(("threadline", 0)))
    [partner_order] = order.partner_orders.all()

    outbox_publish(message_ids=[outbox_messages_for(order).get().pk], republish=True)
    placed(partner_order)
    queue_drained()

    assert sandbox.threadline.counters().orders_created == 1
    assert sandbox.threadline.counters().order_requests == 1
    assert accepted_events(partner_order) == 1
    assert PartnerOrder.objects.get().attempts == 1


def test_a_5xx_then_success_is_placed_once_with_the_same_key(
    pipeline_worker, cart_of, checkout, sandbox
):
    sandbox.threadline.faults_set("5xx", count=1, operations=["order_place"])

    order = checkout(cart_of(("threadline", 0)))
    [partner_order] = order.partner_orders.all()
    placed(partner_order)
    queue_drained()

    calls = PartnerCall.objects.filter(operation="place_order").order_by("pk")
    assert [(call.status_code, call.correlation) for call in calls] == [
        (503, str(partner_order.idempotency_key)),
        (201, str(partner_order.idempotency_key)),
    ]
    assert sandbox.threadline.counters().orders_created == 1
    assert (PartnerOrder.objects.get().attempts, accepted_events(partner_order)) == (2, 1)


def without_dedupe(partner: Partner, **changes) -> None:
    """The live version (what calls use) and the rows alike."""
    changes = {"deduplication": Partner.Deduplication.NONE, **changes}
    Partner.objects.filter(pk=partner.pk).update(**changes)
    live = PartnerLiveVersion.objects.get(partner=partner)
    live.config["partner"].update(changes)
    live.save()


def test_a_partner_without_dedupe_timing_out_after_receiving_needs_review_and_is_not_resent(
    pipeline_worker, cart_of, checkout, sandbox, priced
):
    without_dedupe(priced["hearth"], read_timeout_ms=300)
    sandbox.hearth.faults_set("timeout", count=1, operations=["order_place"], timeout_seconds=1)

    order = checkout(cart_of(("hearth", 0)))
    [partner_order] = order.partner_orders.all()
    wait_for(lambda: status_of(partner_order) == "needs_review")
    outbox_publish(message_ids=[outbox_messages_for(order).get().pk], republish=True)
    queue_drained()

    assert status_of(partner_order) == "needs_review"
    assert sandbox.hearth.counters().order_requests == 1
    assert sandbox.hearth.counters().orders_created == 1
    order.refresh_from_db()
    assert order.status == "needs_review"


def test_a_one_item_per_order_partner_places_each_line_once_and_one_failing_spares_the_other(
    pipeline_worker, cart_of, checkout, sandbox
):
    sandbox.baywater.faults_set("reject-line", count=1)

    order = checkout(cart_of(("baywater", 0), ("baywater", 1)))
    partner_orders = list(order.partner_orders.order_by("pk"))
    wait_for(lambda: all(status_of(po) in ("accepted", "rejected") for po in partner_orders))
    queue_drained()

    assert len(partner_orders) == 2
    assert sorted(po.status for po in partner_orders) == ["accepted", "rejected"]
    assert all(po.attempts == 1 for po in partner_orders)
    [accepted] = [po for po in partner_orders if po.status == "accepted"]
    assert list(accepted.lines.values_list("status", flat=True)) == ["accepted"]
    assert accepted.partner_reference
    assert sandbox.baywater.counters().order_requests == 2
    order.refresh_from_db()
    assert order.status == "partially_rejected"


def taken_then_held(cart_of, checkout, partner_sandbox) -> tuple[Order, PartnerOrder]:
    """A threadline order taken (checkout asks the partner, so before the hold), then the
    partner holding requests, then its message published."""
    with broker_down():
        order = checkout(cart_of(("threadline", 0)))
    partner_sandbox.hold_set(True)
    outbox_publish(message_ids=[outbox_messages_for(order).get().pk])
    return order, order.partner_orders.get()


def test_a_worker_killed_during_the_partner_call_leaves_one_order_after_redelivery(
    pipeline_worker, cart_of, checkout, sandbox
):
    # Given the partner holds every request, so the kill lands mid-call
    _, partner_order = taken_then_held(cart_of, checkout, sandbox.threadline)
    wait_for(lambda: sandbox.threadline.concurrency.in_flight == 1)

    # When the worker is SIGKILLed, the partner then acts on the request it received
    pipeline_worker.kill()
    sandbox.threadline.hold_set(False)
    wait_for(lambda: sandbox.threadline.counters().orders_created == 1)
    pipeline_worker.start()

    # Then SQS delivers the message again, the lapsed claim is taken over, the order re-sent
    # with the same key, and the partner recognises it
    placed(partner_order)
    queue_drained()
    assert sandbox.threadline.counters().orders_created == 1
    assert sandbox.threadline.counters().order_requests == 2
    assert (PartnerOrder.objects.get().attempts, accepted_events(partner_order)) == (2, 1)


@pytest.mark.postgres
def test_two_workers_racing_on_one_partner_order_make_one_partner_call(
    pipeline_worker, cart_of, checkout, sandbox, tmp_path
):
    second = Worker(tmp_path / "second.log", worker_environment(sandbox)).start()
    try:
        # Given the first worker is in the partner call (held)
        order, partner_order = taken_then_held(cart_of, checkout, sandbox.threadline)
        wait_for(lambda: sandbox.threadline.concurrency.in_flight == 1)

        # When the same message reaches the second worker meanwhile
        outbox_publish(message_ids=[outbox_messages_for(order).get().pk], republish=True)
        wait_for(lambda: "retry: Retry in" in second.log() + pipeline_worker.log())
        sandbox.threadline.hold_set(False)

        # Then it found the claim and did not call; the partner order is placed once
        placed(partner_order)
        queue_drained()
    finally:
        second.stop()
    assert sandbox.threadline.counters().order_requests == 1
    assert sandbox.threadline.counters().orders_created == 1
    assert (PartnerOrder.objects.get().attempts, accepted_events(partner_order)) == (1, 1)
