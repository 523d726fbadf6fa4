"""A pickup order's parcel is marked received at the store once something shipped, then
collected; each once, each an event; never for an order shipped to the customer."""

import pytest
from django.urls import reverse

from orders.events import EventType
from orders.models import Order, OrderEvent
from orders.services import partner_order_transition
from orders.statuses import PartnerOrderStatus
from stores.roles import Role
from tests.factories import PartnerFactory
from tests.orders.pages import order_taken, partner_order_with_lines

pytestmark = pytest.mark.django_db

P = PartnerOrderStatus
PICKUP_EVENTS = (EventType.PICKUP_RECEIVED, EventType.PICKUP_COLLECTED)


@pytest.fixture
def associate(client, user_in_role):
    client.force_login(user_in_role(Role.ASSOCIATE, username="asha"))
    return client


def pickup_order(store, *, shipped: bool = True, **fields) -> Order:
    order = order_taken(store, delivery_method=Order.DeliveryMethod.PICKUP_AT_STORE, **fields)
    partner_order = partner_order_with_lines(order, PartnerFactory(), status=P.SUBMITTED)
    partner_order_transition(partner_order_id=partner_order.pk, to=P.ACCEPTED, actor="worker")
    if shipped:
        partner_order_transition(partner_order_id=partner_order.pk, to=P.SHIPPED, actor="worker")
    order.refresh_from_db()
    return order


def mark(client, order: Order, step: str):
    return client.post(reverse("orders:pickup_mark", args=[order.number, step]), follow=True)


def shown(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def pickup_events(order: Order) -> list[tuple[str, str]]:
    return [
        (event.type, event.actor)
        for event in OrderEvent.objects.filter(order=order, type__in=PICKUP_EVENTS).order_by("id")
    ]


def test_the_parcel_is_received_then_collected_each_once(associate, store):
    order = pickup_order(store)
    page = associate.get(reverse("orders:order", args=[order.number])).content.decode()
    assert 'data-testid="pickup-received"' in page

    received = mark(associate, order, "received")
    mark(associate, order, "received")
    collected = mark(associate, order, "collected")
    again = mark(associate, order, "collected")

    assert shown(received) == [
        f"{order.number}'s parcel is marked received: tell the customer it is here."
    ]
    assert shown(collected) == [f"{order.number} is marked collected."]
    assert shown(again) == []
    assert pickup_events(order) == [
        (EventType.PICKUP_RECEIVED, "asha"),
        (EventType.PICKUP_COLLECTED, "asha"),
    ]
    html = again.content.decode()
    assert 'data-testid="pickup-' not in html.replace('data-testid="pickup"', "")
    assert "Collected by the customer" in html and "Parcel received at the store" in html


@pytest.mark.parametrize(
    ("make", "step", "problem"),
    [
        (lambda store: pickup_order(store, shipped=False), "received", "has shipped yet"),
        (lambda store: pickup_order(store), "collected", "received before it is collected"),
        (
            lambda store: order_taken(store),
            "received",
            "is shipped to the customer, not to the store",
        ),
    ],
)
def test_a_step_that_cannot_be_marked_now_is_refused_and_nothing_written(
    associate, store, make, step, problem
):
    order = make(store)

    response = mark(associate, order, step)

    assert len(shown(response)) == 1 and problem in shown(response)[0]
    assert pickup_events(order) == []


def test_only_staff_of_the_order_s_store_mark_it(
    client, user_in_role, associate, store, other_store
):
    theirs = pickup_order(other_store)
    ours = pickup_order(store, customer_name="Ada")

    elsewhere = associate.post(reverse("orders:pickup_mark", args=[theirs.number, "received"]))
    unknown_step = associate.post(reverse("orders:pickup_mark", args=[ours.number, "lost"]))
    client.force_login(user_in_role(Role.KIOSK, username="kiosk"))
    by_kiosk = client.post(reverse("orders:pickup_mark", args=[ours.number, "received"]))

    assert (elsewhere.status_code, unknown_step.status_code, by_kiosk.status_code) == (
        404,
        404,
        403,
    )
    assert not OrderEvent.objects.filter(type__in=PICKUP_EVENTS).exists()
