# ruff: noqa: F811 - the payment sandbox fixtures are imported from tests.orders.payments
"""The pipeline's services without a worker: payment settlement after placement, managers'
actions (each pressed twice), the claim reading the live version, and dead-letter parsing.
Partners and the payment gateway are the sandboxes, over HTTP."""

import base64
import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from orders.checkout_services import CardTokens
from orders.dead_letters import partner_order_id_of
from orders.events import EventType
from orders.models import CardPayment, OrderEvent, PartnerOrder
from orders.outbox import PLACE_TASK
from orders.payment_services import SETTLE_TASK, capture_amount, partner_order_payment_settle
from orders.payments.http_gateway import payment_gateway
from orders.placement_services import (
    Outcome,
    partner_order_place,
    partner_order_redrive,
    partner_order_retry,
    partner_order_review_resolve,
)
from orders.services import order_event_append, partner_order_transition
from orders.status_sync import UpdateSource, partner_order_status_apply
from orders.tasks import partner_order_payment_settle_task
from partners.mapping import OrderStatusUpdate, StatusLine
from partners.models import Partner, PartnerCircuit, PartnerLiveVersion
from tests.conftest import queue_drained
from tests.orders.payments.conftest import (  # noqa: F401 - fixtures
    Browser,
    payment_sandbox,
    payment_sandbox_running,
)
from tests.orders.worker_fixtures import messages_in, queue_purged, queue_url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_worker(settings, sqs_emulator):
    """Placement runs in the test; what the services publish is read back from SQS, and
    removed after, so no other module's worker takes it."""
    settings.ORDER_PLACEMENT_BACKOFF_SECONDS = 0.01
    queue_purged()
    yield
    queue_purged()


@pytest.fixture
def card_checkout(checkout, payment_sandbox, settings):
    """Check `cart` out by card: one sandbox token per partner order."""
    settings.PAYMENT_GATEWAY_URL = payment_sandbox.base_url
    browser = Browser(payment_sandbox.base_url)

    def run(cart, partner_orders: int = 1):
        return checkout(
            cart, payment=CardTokens(tuple(browser.tokenise() for _ in range(partner_orders)))
        )

    return run


def placed_and_settled(partner_order: PartnerOrder) -> tuple[Outcome, CardPayment | None]:
    placement = partner_order_place(partner_order_id=partner_order.pk)
    return placement.outcome, partner_order_payment_settle(partner_order_id=partner_order.pk)


def payment_events(event_type: EventType) -> list[dict]:
    return list(OrderEvent.objects.filter(type=event_type).values_list("data", flat=True))


def test_acceptance_with_a_rejected_line_captures_the_accepted_lines_share(
    cart_of, card_checkout, sandbox, payment_sandbox
):
    order = card_checkout(cart_of(("threadline", 0), ("threadline", 1)))
    [partner_order] = order.partner_orders.all()
    sandbox.threadline.faults_set("reject-line", count=1)

    outcome, payment = placed_and_settled(partner_order)
    again = partner_order_payment_settle(partner_order_id=partner_order.pk)

    first, second = partner_order.lines.order_by("pk")
    expected = capture_amount(payment.amount_authorised, [first, second], payment.currency)
    assert outcome == Outcome.ACCEPTED
    assert (first.status, second.status) == ("rejected", "accepted")
    assert Decimal(0) < expected < payment.amount_authorised
    assert (payment.status, payment.amount_captured) == ("partially_captured", expected)
    assert again is None  # settled already: no second gateway call
    [captured] = payment_events(EventType.PAYMENT_CAPTURED)
    assert Decimal(captured["released"]) == payment.amount_authorised - expected
    [operation] = payment_sandbox.state()["operations"]
    assert (operation["kind"], Decimal(operation["amount"])) == ("capture", expected)


def test_all_lines_rejected_rejects_the_order_and_voids_its_payment(
    cart_of, card_checkout, sandbox, payment_sandbox
):
    order = card_checkout(cart_of(("threadline", 0)))
    [partner_order] = order.partner_orders.all()
    sandbox.threadline.faults_set("reject-line", count=1)

    outcome, payment = placed_and_settled(partner_order)

    order.refresh_from_db()
    assert (outcome, order.status) == (Outcome.REJECTED, "rejected")
    assert (payment.status, payment.amount_captured) == ("voided", Decimal(0))
    assert len(payment_events(EventType.PAYMENT_VOIDED)) == 1
    assert payment_events(EventType.PAYMENT_CAPTURED) == []
    assert [op["kind"] for op in payment_sandbox.state()["operations"]] == ["void"]


def test_the_last_attempt_failing_fails_the_partner_order_and_voids_its_payment(
    cart_of, card_checkout, sandbox, settings
):
    settings.ORDER_PLACEMENT_MAX_ATTEMPTS = 2
    order = card_checkout(cart_of(("threadline", 0)))
    [partner_order] = order.partner_orders.all()
    sandbox.threadline.faults_set("5xx", count=2, operations=["order_place"])

    first = partner_order_place(partner_order_id=partner_order.pk)
    settled_while_retrying = partner_order_payment_settle(partner_order_id=partner_order.pk)
    last, payment = placed_and_settled(partner_order)

    order.refresh_from_db()
    assert (first.outcome, settled_while_retrying) == (Outcome.RETRY, None)
    assert (last, order.status, payment.status) == (Outcome.FAILED, "failed", "voided")
    assert sandbox.threadline.counters().order_requests == 2
    assert sandbox.threadline.counters().orders_created == 0


def test_settling_inside_a_transaction_is_refused_before_any_gateway_call(
    cart_of, card_checkout, payment_sandbox
):
    from django.db import transaction

    order = card_checkout(cart_of(("threadline", 0)))
    [partner_order] = order.partner_orders.all()
    PartnerOrder.objects.filter(pk=partner_order.pk).update(status="rejected")

    with pytest.raises(RuntimeError), transaction.atomic():
        partner_order_payment_settle(partner_order_id=partner_order.pk)

    assert payment_sandbox.state()["operations"] == []
    assert CardPayment.objects.get().status == "authorised"


def failed(checkout, cart_of, sandbox, settings) -> PartnerOrder:
    settings.ORDER_PLACEMENT_MAX_ATTEMPTS = 1
    order = checkout(cart_of(("threadline", 0)))
    sandbox.threadline.faults_set("5xx", count=1, operations=["order_place"])
    [partner_order] = order.partner_orders.all()
    assert partner_order_place(partner_order_id=partner_order.pk).outcome == Outcome.FAILED
    queue_purged()  # checkout's own message
    return partner_order


def test_retry_of_a_failed_partner_order_twice_republishes_once_and_it_is_placed(
    cart_of, checkout, sandbox, settings
):
    partner_order = failed(checkout, cart_of, sandbox, settings)

    partner_order_retry(partner_order_id=partner_order.pk, actor="manager")
    partner_order_retry(partner_order_id=partner_order.pk, actor="manager")
    placement = partner_order_place(partner_order_id=partner_order.pk)

    partner_order.refresh_from_db()
    assert messages_in(queue_url()) == 1
    retried = OrderEvent.objects.filter(
        type=EventType.PARTNER_ORDER_STATUS_CHANGED, data__to="pending"
    )
    assert retried.count() == 1
    assert (placement.outcome, partner_order.status, partner_order.attempts) == (
        Outcome.ACCEPTED,
        "accepted",
        2,
    )
    assert sandbox.threadline.counters().orders_created == 1


def test_redrive_twice_after_a_dead_letter_publishes_once(cart_of, checkout):
    order = checkout(cart_of(("threadline", 0)))
    [partner_order] = order.partner_orders.all()
    queue_purged()
    order_event_append(
        order,
        EventType.PARTNER_ORDER_DEAD_LETTERED,
        "system",
        {"status": "pending"},
        partner_order=partner_order,
    )

    partner_order_redrive(partner_order_id=partner_order.pk, actor="manager")
    partner_order_redrive(partner_order_id=partner_order.pk, actor="manager")

    assert messages_in(queue_url()) == 1
    assert OrderEvent.objects.filter(type=EventType.PARTNER_ORDER_REDRIVEN).count() == 1


def test_redrive_without_a_dead_letter_publishes_nothing(cart_of, checkout):
    order = checkout(cart_of(("threadline", 0)))
    [partner_order] = order.partner_orders.all()
    queue_purged()

    partner_order_redrive(partner_order_id=partner_order.pk, actor="manager")

    assert messages_in(queue_url()) == 0
    assert not OrderEvent.objects.filter(type=EventType.PARTNER_ORDER_REDRIVEN).exists()


def live_deduplication_none(partner: Partner, **changes) -> None:
    """A live version without dedupe; the rows keep theirs (a pending edit would differ)."""
    live = PartnerLiveVersion.objects.get(partner=partner)
    live.config["partner"].update({"deduplication": Partner.Deduplication.NONE, **changes})
    live.save()


def in_review(checkout, cart_of, sandbox, priced) -> PartnerOrder:
    live_deduplication_none(priced["hearth"], read_timeout_ms=300)
    order = checkout(cart_of(("hearth", 0)))
    sandbox.hearth.faults_set("timeout", count=1, operations=["order_place"], timeout_seconds=1)
    [partner_order] = order.partner_orders.all()
    assert partner_order_place(partner_order_id=partner_order.pk).outcome == Outcome.NEEDS_REVIEW
    queue_purged()
    return partner_order


def test_the_claim_follows_the_live_versions_dedupe_mode_not_the_rows(
    cart_of, checkout, sandbox, priced
):
    partner_order = in_review(checkout, cart_of, sandbox, priced)

    partner_order.refresh_from_db()
    assert Partner.objects.get(slug="hearth").deduplication == "reference_in_body"
    assert partner_order.status == "needs_review"
    live = PartnerLiveVersion.objects.get(partner__slug="hearth")
    assert partner_order.config_version == live.config_version
    assert sandbox.hearth.counters().order_requests == 1


def test_review_resolved_as_placed_twice_accepts_once_with_the_reference(
    cart_of, checkout, sandbox, priced
):
    partner_order = in_review(checkout, cart_of, sandbox, priced)

    for _ in range(2):
        partner_order_review_resolve(
            partner_order_id=partner_order.pk, actor="manager", partner_reference=" HH-000001 "
        )
    placement = partner_order_place(partner_order_id=partner_order.pk)

    partner_order.refresh_from_db()
    assert (partner_order.status, partner_order.partner_reference) == ("accepted", "HH-000001")
    assert list(partner_order.lines.values_list("status", flat=True)) == ["accepted"]
    resolved = OrderEvent.objects.filter(data__resolved="placed")
    assert resolved.count() == 1
    assert messages_in(queue_url()) == 1  # for the worker to settle the payment
    assert placement.outcome == Outcome.NOTHING_TO_DO
    assert sandbox.hearth.counters().order_requests == 1


def test_review_resolved_by_resending_twice_sends_it_once_more(cart_of, checkout, sandbox, priced):
    partner_order = in_review(checkout, cart_of, sandbox, priced)

    partner_order_review_resolve(partner_order_id=partner_order.pk, actor="manager", resend=True)
    partner_order_review_resolve(partner_order_id=partner_order.pk, actor="manager", resend=True)
    placement = partner_order_place(partner_order_id=partner_order.pk)

    partner_order.refresh_from_db()
    assert messages_in(queue_url()) == 1
    assert OrderEvent.objects.filter(data__resend=True).count() == 1
    assert (placement.outcome, partner_order.status, partner_order.attempts) == (
        Outcome.ACCEPTED,
        "accepted",
        2,
    )
    assert sandbox.hearth.counters().order_requests == 2


def test_review_resolve_needs_exactly_one_of_reference_or_resend(cart_of, checkout):
    order = checkout(cart_of(("threadline", 0)))
    [partner_order] = order.partner_orders.all()

    for choice in ({}, {"partner_reference": "X-1", "resend": True}):
        with pytest.raises(ValueError, match="one of them"):
            partner_order_review_resolve(partner_order_id=partner_order.pk, actor="m", **choice)

    assert PartnerOrder.objects.get().status == "pending"


def kombu_body(headers: dict, args: object) -> str:
    body = base64.b64encode(json.dumps([args, {}, {}]).encode()).decode()
    return base64.b64encode(json.dumps({"headers": headers, "body": body}).encode()).decode()


@pytest.mark.parametrize(
    "body",
    [
        "%%% not base64 %%%",
        base64.b64encode(b"not json").decode(),
        base64.b64encode(b"[1, 2]").decode(),
        kombu_body({"task": "catalog.other"}, [7]),
        kombu_body({"task": PLACE_TASK}, []),
        kombu_body({"task": PLACE_TASK}, ["seven"]),
        kombu_body({}, [7]),
    ],
)
def test_a_malformed_dead_letter_names_no_partner_order(body):
    assert partner_order_id_of(body) is None


def test_a_placement_dead_letter_names_its_partner_order():
    assert partner_order_id_of(kombu_body({"task": PLACE_TASK}, [7])) == 7


def claim_lapsed(partner_order: PartnerOrder, attempts: int) -> None:
    """As a worker killed mid-call leaves it: submitted, its lease over."""
    partner_order_transition(partner_order_id=partner_order.pk, to="submitted", actor="worker")
    PartnerOrder.objects.filter(pk=partner_order.pk).update(
        attempts=attempts, claimed_until=timezone.now() - timedelta(seconds=1)
    )


def test_a_lapsed_claim_after_the_last_attempt_fails_without_sending(
    cart_of, checkout, sandbox, settings
):
    settings.ORDER_PLACEMENT_MAX_ATTEMPTS = 3
    order = checkout(cart_of(("threadline", 0)))
    [partner_order] = order.partner_orders.all()
    claim_lapsed(partner_order, attempts=3)

    placement = partner_order_place(partner_order_id=partner_order.pk)

    assert (placement.outcome, status_of(partner_order)) == (Outcome.FAILED, "failed")
    assert sandbox.threadline.counters().order_requests == 0


def test_a_lapsed_claim_of_a_partner_without_dedupe_goes_to_review_without_sending(
    cart_of, checkout, sandbox, priced
):
    live_deduplication_none(priced["hearth"])
    order = checkout(cart_of(("hearth", 0)))
    [partner_order] = order.partner_orders.all()
    claim_lapsed(partner_order, attempts=1)

    placement = partner_order_place(partner_order_id=partner_order.pk)

    assert (placement.outcome, status_of(partner_order)) == (Outcome.NEEDS_REVIEW, "needs_review")
    attempt = OrderEvent.objects.get(type=EventType.PARTNER_ORDER_ATTEMPTED)
    assert attempt.data["may_have_been_received"] is True
    assert sandbox.hearth.counters().order_requests == 0


def status_of(partner_order: PartnerOrder) -> str:
    partner_order.refresh_from_db()
    return partner_order.status


# --- After placement: status reports, refunds and refusals ---


def maintenance_messages() -> list[str]:
    """The task names waiting on the maintenance queue, which is then emptied."""
    return [
        json.loads(base64.b64decode(message["Body"]))["headers"]["task"]
        for message in queue_drained(settings.SQS_QUEUES.maintenance)
    ]


def cancelled_by_the_partner(partner_order: PartnerOrder) -> None:
    partner_order_status_apply(
        partner_order_id=partner_order.pk,
        update=OrderStatusUpdate(partner_order_id="TL-1", status="cancelled"),
        source=UpdateSource.WEBHOOK,
    )


def test_a_partner_cancelling_after_capture_queues_a_refund_that_is_made_once(
    cart_of, card_checkout, payment_sandbox
):
    order = card_checkout(cart_of(("threadline", 0)))
    [partner_order] = order.partner_orders.all()
    _, captured = placed_and_settled(partner_order)
    maintenance_messages()

    cancelled_by_the_partner(partner_order)
    queued = maintenance_messages()
    refunded = partner_order_payment_settle(partner_order_id=partner_order.pk)
    again = partner_order_payment_settle(partner_order_id=partner_order.pk)

    assert queued == [SETTLE_TASK]
    assert captured.status == "captured"
    assert (refunded.status, refunded.amount_refunded) == ("refunded", captured.amount_captured)
    assert again is None
    [event] = payment_events(EventType.PAYMENT_REFUNDED)
    assert Decimal(event["amount"]) == captured.amount_captured
    kinds = [op["kind"] for op in payment_sandbox.state()["operations"]]
    assert kinds == ["capture", "refund"]


def test_a_till_paid_order_queues_no_settlement(cart_of, checkout):
    order = checkout(cart_of(("threadline", 0)))
    [partner_order] = order.partner_orders.all()
    partner_order_place(partner_order_id=partner_order.pk)
    maintenance_messages()

    cancelled_by_the_partner(partner_order)

    assert maintenance_messages() == []


def test_a_gateway_refusing_to_settle_is_recorded_not_retried(
    cart_of, card_checkout, payment_sandbox
):
    order = card_checkout(cart_of(("threadline", 0)))
    [partner_order] = order.partner_orders.all()
    partner_order_place(partner_order_id=partner_order.pk)
    payment = CardPayment.objects.get(partner_order=partner_order)
    # Released at the gateway behind our back: the capture the task asks for is refused.
    payment_gateway().void(authorisation_id=payment.authorisation_id, idempotency_key="behind")

    result = partner_order_payment_settle_task.apply(args=[partner_order.pk])

    assert result.successful()
    [failure] = payment_events(EventType.PAYMENT_SETTLE_FAILED)
    assert failure["error"]
    payment.refresh_from_db()
    assert payment.status == CardPayment.Status.AUTHORISED  # still offered to a manager


def test_a_partner_cooling_down_is_tried_again_later_not_failed(cart_of, checkout, sandbox):
    order = checkout(cart_of(("threadline", 0)))
    [partner_order] = order.partner_orders.all()
    live = PartnerLiveVersion.objects.get(partner_id=partner_order.partner_id)
    PartnerCircuit.objects.create(
        partner_id=partner_order.partner_id,
        config_version=live.config_version,
        state=PartnerCircuit.State.OPEN,
        failures=5,
        opened_at=time.time(),
    )

    placement = partner_order_place(partner_order_id=partner_order.pk)

    partner_order.refresh_from_db()
    assert (placement.outcome, partner_order.status) == (Outcome.RETRY, "submitted")
    [attempt] = payment_events(EventType.PARTNER_ORDER_ATTEMPTED)
    assert attempt["outcome"].startswith("circuit_open")
    assert attempt["may_have_been_received"] is False
    assert sandbox.threadline.counters().order_requests == 0


def test_a_line_rejected_after_capture_has_its_share_refunded_once(
    cart_of, card_checkout, payment_sandbox
):
    order = card_checkout(cart_of(("threadline", 0), ("threadline", 1)))
    [partner_order] = order.partner_orders.all()
    _, captured = placed_and_settled(partner_order)
    first, second = partner_order.lines.order_by("pk")

    partner_order_status_apply(
        partner_order_id=partner_order.pk,
        update=OrderStatusUpdate(
            partner_order_id=partner_order.partner_reference,
            status="accepted",
            lines=(StatusLine(partner_sku=second.partner_sku, accepted=False),),
        ),
        source=UpdateSource.WEBHOOK,
    )
    refunded = partner_order_payment_settle(partner_order_id=partner_order.pk)
    again = partner_order_payment_settle(partner_order_id=partner_order.pk)

    second.refresh_from_db()
    share = captured.amount_captured - capture_amount(
        captured.amount_authorised, [first, second], captured.currency
    )
    assert second.status == "rejected"
    assert Decimal(0) < share < captured.amount_captured
    assert (refunded.status, refunded.amount_refunded) == ("captured", share)
    assert again is None
    [event] = payment_events(EventType.PAYMENT_REFUNDED)
    assert Decimal(event["amount"]) == share
    kinds = [op["kind"] for op in payment_sandbox.state()["operations"]]
    assert kinds == ["capture", "refund"]
