"""A manager cancels a partner order at Threadline, over HTTP: once, then a no-op; refused
clearly where the partner takes no cancellations; recorded when the partner refuses."""

import pytest

from orders.cancel_services import CancelOutcome, CancelRefused, partner_order_cancel
from orders.models import OrderLine
from orders.statuses import LineStatus, OrderStatus, PartnerOrderStatus
from partners.models import Partner, PartnerCall
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import (
    sandbox_config,
    sandbox_partner_import,
    sandbox_partner_prove,
)
from partners.sandbox.orders import OrderStatus as SandboxStatus
from partners.services import partner_status_change
from stores.roles import Role
from tests.orders.sandbox_orders import events_of, sandbox_order_placed

pytestmark = pytest.mark.django_db

P = PartnerOrderStatus


def cancel_calls() -> int:
    return PartnerCall.objects.filter(operation="cancel_order").count()


@pytest.fixture
def manager(user_in_role):
    return user_in_role(Role.MANAGER, username="mina")


def test_a_cancel_succeeds_once_and_a_second_is_a_no_op(live_partners, sandbox, manager):
    partner_order = sandbox_order_placed(
        live_partners("threadline")["threadline"], sandbox.threadline
    )

    first = partner_order_cancel(partner_order_id=partner_order.pk, actor=manager)

    assert first == CancelOutcome(cancelled=True)
    held = sandbox.threadline.orders.get(partner_order.partner_reference)
    assert held.status is SandboxStatus.CANCELLED
    partner_order.refresh_from_db()
    assert partner_order.status == P.CANCELLED
    assert partner_order.order.status == OrderStatus.CANCELLED
    assert OrderLine.objects.get(partner_order=partner_order).status == LineStatus.CANCELLED
    events = events_of(partner_order)
    kind, attempt = events[0]
    assert kind == "partner_order_cancel_requested"
    assert (attempt["outcome"], attempt["partner"], attempt["partner_status"]) == (
        "cancelled",
        "threadline",
        "cancelled",
    )
    changed = dict(events)["partner_order_status_changed"]
    assert (changed["source"], changed["to"]) == ("cancel", "cancelled")
    assert {event.actor for event in partner_order.events.all()} == {"mina"}
    assert cancel_calls() == 1

    second = partner_order_cancel(partner_order_id=partner_order.pk, actor=manager)

    assert second == CancelOutcome(cancelled=True, already=True, message="Already cancelled.")
    assert cancel_calls() == 1
    assert events_of(partner_order) == events


def test_a_partner_refusing_is_recorded_and_the_order_stays(live_partners, sandbox, manager):
    partner_order = sandbox_order_placed(
        live_partners("threadline")["threadline"], sandbox.threadline
    )
    sandbox.threadline.order_advance(partner_order.partner_reference)  # shipped: too late

    outcome = partner_order_cancel(partner_order_id=partner_order.pk, actor=manager)

    assert outcome.cancelled is False
    partner_order.refresh_from_db()
    assert partner_order.status == P.ACCEPTED
    [(kind, attempt)] = events_of(partner_order)
    assert (kind, attempt["outcome"], attempt["status_code"]) == (
        "partner_order_cancel_requested",
        "refused",
        409,
    )


@pytest.fixture
def no_cancel_partner(roles, sandbox, sandbox_allowed) -> Partner:
    """Threadline's file without its cancel operation, onboarded live as its own partner."""
    data = sandbox_config(PartnerName.THREADLINE)
    data["partner"] |= {"name": "Threadline Outlet", "slug": "threadline-outlet"}
    data["operations"] = [
        item for item in data["operations"] if item["operation"] != "cancel_order"
    ]
    partner = sandbox_partner_import(PartnerName.THREADLINE, sandbox.threadline.base_url, data)
    partner = partner_status_change(partner=partner, status=Partner.Status.TESTING)
    sandbox_partner_prove(partner, PartnerName.THREADLINE)
    partner = partner_status_change(partner=partner, status=Partner.Status.LIVE)
    PartnerCall.objects.all().delete()
    sandbox.reset()
    return partner


def test_a_partner_without_cancellations_is_refused_clearly(no_cancel_partner, sandbox, manager):
    partner_order = sandbox_order_placed(no_cancel_partner, sandbox.threadline)

    with pytest.raises(CancelRefused) as refused:
        partner_order_cancel(partner_order_id=partner_order.pk, actor=manager)

    assert str(refused.value) == (
        "Threadline Outlet does not take cancellations from us: ask the partner to cancel "
        f"{partner_order.partner_reference} directly."
    )
    partner_order.refresh_from_db()
    assert partner_order.status == P.ACCEPTED
    assert events_of(partner_order) == []
    assert cancel_calls() == 0


def test_a_shipped_order_is_refused_without_asking(live_partners, sandbox, manager):
    partner_order = sandbox_order_placed(
        live_partners("threadline")["threadline"], sandbox.threadline
    )
    partner_order.status = P.SHIPPED
    partner_order.save(update_fields=["status"])

    with pytest.raises(CancelRefused) as refused:
        partner_order_cancel(partner_order_id=partner_order.pk, actor=manager)

    assert (
        str(refused.value) == f"{partner_order.reference} is shipped: it cannot be cancelled now."
    )
    assert events_of(partner_order) == []
    assert cancel_calls() == 0
