"""Polling Stridewell, the sandbox partner whose status we ask for: each open order once per
its interval, one call each, a bounded batch, paused partners too; webhook partners never."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from endless_aisle.celery import app
from orders.models import OrderLine
from orders.status_polling import partner_orders_poll_due
from orders.status_tasks import partner_orders_poll
from orders.statuses import LineStatus, PartnerOrderStatus
from partners.models import Partner, PartnerCall
from tests.orders.sandbox_orders import events_of, sandbox_order_placed

pytestmark = pytest.mark.django_db

P = PartnerOrderStatus


def status_calls(partner: Partner) -> int:
    return PartnerCall.objects.filter(partner=partner, operation="order_status").count()


def test_a_polled_order_the_partner_shipped_is_shipped_with_tracking(live_partners, sandbox):
    stridewell = live_partners("stridewell")["stridewell"]
    partner_order = sandbox_order_placed(stridewell, sandbox.stridewell)
    shipped = sandbox.stridewell.order_advance(partner_order.partner_reference)

    polled = partner_orders_poll()

    assert polled == 1
    partner_order.refresh_from_db()
    assert partner_order.status == P.SHIPPED
    assert partner_order.status_polled_at is not None
    line = OrderLine.objects.get(partner_order=partner_order)
    assert (line.status, line.carrier, line.tracking_number) == (
        LineStatus.SHIPPED,
        shipped.shipment.carrier,
        shipped.shipment.tracking_number,
    )
    assert dict(events_of(partner_order))["partner_order_status_changed"]["source"] == "poll"


def test_an_order_is_asked_about_again_only_after_the_partner_interval(live_partners, sandbox):
    stridewell = live_partners("stridewell")["stridewell"]
    partner_order = sandbox_order_placed(stridewell, sandbox.stridewell)
    now = timezone.now()
    assert partner_orders_poll_due(now=now) == 1
    unchanged = events_of(partner_order)

    soon = partner_orders_poll_due(now=now + timedelta(seconds=299))
    later = partner_orders_poll_due(now=now + timedelta(seconds=300))

    assert (soon, later) == (0, 1)
    assert status_calls(stridewell) == 2
    # Still accepted at the partner: asking changed nothing and recorded no event.
    assert unchanged == events_of(partner_order) == []


def test_a_run_asks_about_at_most_its_batch_oldest_first(live_partners, sandbox):
    stridewell = live_partners("stridewell")["stridewell"]
    first = sandbox_order_placed(stridewell, sandbox.stridewell)
    second = sandbox_order_placed(stridewell, sandbox.stridewell, skip=1)

    assert partner_orders_poll_due(batch=1) == 1

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status_polled_at is not None
    assert second.status_polled_at is None
    assert status_calls(stridewell) == 1


def test_a_paused_partner_is_still_polled_and_final_orders_are_not(live_partners, sandbox):
    stridewell = live_partners("stridewell")["stridewell"]
    open_order = sandbox_order_placed(stridewell, sandbox.stridewell)
    final = sandbox_order_placed(stridewell, sandbox.stridewell, skip=1)
    final.status = P.DELIVERED
    final.save(update_fields=["status"])
    Partner.objects.filter(pk=stridewell.pk).update(status=Partner.Status.PAUSED)

    assert partner_orders_poll_due() == 1

    open_order.refresh_from_db()
    final.refresh_from_db()
    assert open_order.status_polled_at is not None
    assert final.status_polled_at is None


def test_a_partner_that_pushes_its_status_is_never_polled(live_partners, sandbox):
    threadline = live_partners("threadline")["threadline"]
    partner_order = sandbox_order_placed(threadline, sandbox.threadline)
    sandbox.threadline.order_advance(partner_order.partner_reference)

    assert partner_orders_poll_due() == 0

    partner_order.refresh_from_db()
    assert partner_order.status == P.ACCEPTED
    assert status_calls(threadline) == 0


def test_beat_sends_the_poll_task_by_a_name_the_worker_registers():
    app.loader.import_default_modules()

    entry = settings.CELERY_BEAT_SCHEDULE["partner-orders-poll"]

    assert entry == {"task": "orders.partner_orders_poll", "schedule": 60}
    # The worker imports CELERY_IMPORTS at start; autodiscovery finds only tasks.py modules.
    assert "orders.status_tasks" in app.conf.imports
    assert app.tasks[entry["task"]].name == partner_orders_poll.name == entry["task"]
