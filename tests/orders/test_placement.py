"""Placement against the sandbox partners, in process: one attempt per call of the service."""

import pytest

from orders.events import EventType
from orders.models import OrderEvent, PartnerOrder
from orders.placement_services import Outcome, partner_order_place
from partners.models import Partner, PartnerCall, PartnerLiveVersion

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def broker_not_needed(settings):
    settings.ORDER_PLACEMENT_BACKOFF_SECONDS = 0.01


def test_a_5xx_is_retried_with_the_same_key_and_placed_once(cart_of, checkout, sandbox):
    order = checkout(cart_of(("threadline", 0)))
    [partner_order] = order.partner_orders.all()
    sandbox.threadline.faults_set("5xx", count=1, operations=["order_place"])

    first = partner_order_place(partner_order_id=partner_order.pk)
    second = partner_order_place(partner_order_id=partner_order.pk)

    partner_order.refresh_from_db()
    assert first.outcome == Outcome.RETRY
    assert second.outcome == Outcome.ACCEPTED
    assert (partner_order.status, partner_order.attempts) == ("accepted", 2)
    assert sandbox.threadline.counters().orders_created == 1
    calls = PartnerCall.objects.filter(operation="place_order").order_by("pk")
    assert [call.correlation for call in calls] == [str(partner_order.idempotency_key)] * 2
    assert OrderEvent.objects.filter(type=EventType.PARTNER_ORDER_ATTEMPTED).count() == 2


def test_a_partner_without_dedupe_timing_out_after_receiving_goes_to_review(
    cart_of, checkout, sandbox, priced
):
    hearth = priced["hearth"]
    settings_changed = {"deduplication": Partner.Deduplication.NONE, "read_timeout_ms": 300}
    Partner.objects.filter(pk=hearth.pk).update(**settings_changed)
    live = PartnerLiveVersion.objects.get(partner=hearth)
    live.config["partner"].update(settings_changed)
    live.save()
    order = checkout(cart_of(("hearth", 0)))
    [partner_order] = order.partner_orders.all()
    sandbox.hearth.faults_set("timeout", count=1, operations=["order_place"], timeout_seconds=1)

    first = partner_order_place(partner_order_id=partner_order.pk)
    again = partner_order_place(partner_order_id=partner_order.pk)

    partner_order.refresh_from_db()
    assert first.outcome == Outcome.NEEDS_REVIEW
    assert again.outcome == Outcome.NOTHING_TO_DO
    assert partner_order.status == "needs_review"
    assert sandbox.hearth.counters().order_requests == 1
    attempt = OrderEvent.objects.get(type=EventType.PARTNER_ORDER_ATTEMPTED)
    assert attempt.data["may_have_been_received"] is True


def test_a_rejected_line_is_rejected_and_the_rest_accepted(cart_of, checkout, sandbox):
    order = checkout(cart_of(("threadline", 0), ("threadline", 1)))
    [partner_order] = order.partner_orders.all()
    sandbox.threadline.faults_set("reject-line", count=1)

    placement = partner_order_place(partner_order_id=partner_order.pk)

    assert placement.outcome == Outcome.ACCEPTED
    assert list(partner_order.lines.order_by("pk").values_list("status", flat=True)) == [
        "rejected",
        "accepted",
    ]
    order.refresh_from_db()
    assert order.status == "partially_rejected"
    refund = OrderEvent.objects.get(type=EventType.TILL_REFUND_DUE)
    assert refund.data["amount"] == str(partner_order.lines.order_by("pk").first().total)


def test_a_placed_partner_order_is_not_sent_again(cart_of, checkout, sandbox):
    order = checkout(cart_of(("threadline", 0)))
    [partner_order] = order.partner_orders.all()

    partner_order_place(partner_order_id=partner_order.pk)
    again = partner_order_place(partner_order_id=partner_order.pk)

    assert again.outcome == Outcome.NOTHING_TO_DO
    assert sandbox.threadline.counters().order_requests == 1
    assert PartnerOrder.objects.get().attempts == 1
