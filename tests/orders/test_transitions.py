import threading

import pytest
from django.db import connection, transaction

from orders.events import EventType
from orders.models import OrderEvent
from orders.services import Tracking, order_line_transition, partner_order_transition
from orders.statuses import IllegalTransition, LineStatus, OrderStatus, PartnerOrderStatus
from tests.conftest import wait_for
from tests.factories import UserFactory
from tests.orders.factories import OrderFactory, OrderLineFactory, PartnerOrderFactory
from tests.orders.test_statuses import LINE_MOVES, PARTNER_ORDER_MOVES, every_move

P = PartnerOrderStatus
L = LineStatus

pytestmark = pytest.mark.django_db


def events_of(order) -> list[tuple[str, dict]]:
    return [(event.type, event.data) for event in OrderEvent.objects.filter(order=order)]


@pytest.mark.parametrize(("current", "to", "legal"), every_move(PARTNER_ORDER_MOVES))
def test_a_partner_order_moves_only_as_the_table_allows(current, to, legal):
    line = OrderLineFactory(partner_order__status=current)
    partner_order = line.partner_order

    if legal:
        partner_order_transition(partner_order_id=partner_order.pk, to=to, actor="system")
        partner_order.refresh_from_db()
        assert partner_order.status == to
        assert (
            OrderEvent.objects.get(
                partner_order=partner_order, type=EventType.PARTNER_ORDER_STATUS_CHANGED
            ).data["to"]
            == to
        )
    else:
        with pytest.raises(IllegalTransition):
            partner_order_transition(partner_order_id=partner_order.pk, to=to, actor="system")
        partner_order.refresh_from_db()
        assert partner_order.status == current
        assert not OrderEvent.objects.exists()


@pytest.mark.parametrize(("current", "to", "legal"), every_move(LINE_MOVES))
def test_a_line_moves_only_as_the_table_allows(current, to, legal):
    line = OrderLineFactory(status=current, partner_order__status=P.ACCEPTED)

    if legal:
        order_line_transition(line_id=line.pk, to=to, actor="system")
        line.refresh_from_db()
        assert line.status == to
        assert OrderEvent.objects.get(type=EventType.LINE_STATUS_CHANGED).data["to"] == to
    else:
        with pytest.raises(IllegalTransition):
            order_line_transition(line_id=line.pk, to=to, actor="system")
        line.refresh_from_db()
        assert line.status == current
        assert not OrderEvent.objects.exists()


def test_an_illegal_move_keeps_the_reference_and_the_order_status_unchanged():
    line = OrderLineFactory(partner_order__status=P.SHIPPED, partner_order__partner_reference="A1")
    partner_order, order = line.partner_order, line.partner_order.order

    with pytest.raises(IllegalTransition, match="Cannot move from shipped to accepted"):
        partner_order_transition(
            partner_order_id=partner_order.pk, to=P.ACCEPTED, actor="system", reference="B2"
        )

    partner_order.refresh_from_db()
    order.refresh_from_db()
    assert (partner_order.status, partner_order.partner_reference) == (P.SHIPPED, "A1")
    assert order.status == OrderStatus.PENDING
    assert events_of(order) == []


def test_acceptance_records_the_reference_and_the_order_status_with_their_events():
    line = OrderLineFactory(
        partner_order__status=P.SUBMITTED, partner_order__partner__slug="threadline"
    )
    partner_order, order = line.partner_order, line.partner_order.order

    partner_order_transition(
        partner_order_id=partner_order.pk,
        to=P.ACCEPTED,
        actor="partner:threadline",
        data={"latency_ms": 120},
        reference="TL-778",
    )

    partner_order.refresh_from_db()
    order.refresh_from_db()
    assert partner_order.partner_reference == "TL-778"
    assert order.status == OrderStatus.ACCEPTED
    assert events_of(order) == [
        (
            "partner_order_status_changed",
            {
                "latency_ms": 120,
                "from": "submitted",
                "to": "accepted",
                "partner": "threadline",
                "partner_reference": "TL-778",
            },
        ),
        ("order_status_changed", {"from": "pending", "to": "accepted"}),
    ]
    assert set(OrderEvent.objects.values_list("actor", flat=True)) == {"partner:threadline"}


def test_a_user_moving_an_order_is_recorded_by_name_and_account():
    manager = UserFactory(username="maria")
    partner_order = PartnerOrderFactory(status=P.FAILED)

    partner_order_transition(partner_order_id=partner_order.pk, to=P.PENDING, actor=manager)

    event = OrderEvent.objects.get()
    assert (event.actor, event.actor_user) == ("maria", manager)


def test_a_rejected_line_beside_accepted_ones_makes_the_order_partially_rejected():
    order = OrderFactory()
    first = OrderLineFactory(partner_order__order=order, partner_order__status=P.ACCEPTED)
    second = OrderLineFactory(partner_order=first.partner_order)

    order_line_transition(line_id=first.pk, to=L.ACCEPTED, actor="system")
    order_line_transition(line_id=second.pk, to=L.REJECTED, actor="system", reason="Discontinued")

    order.refresh_from_db()
    second.refresh_from_db()
    assert second.status_reason == "Discontinued"
    assert order.status == OrderStatus.PARTIALLY_REJECTED
    assert [event_type for event_type, _ in events_of(order)] == [
        "line_status_changed",
        "order_status_changed",  # pending → accepted: the partner order was accepted already
        "line_status_changed",
        "order_status_changed",
    ]
    assert events_of(order)[-1][1] == {"from": "accepted", "to": "partially_rejected"}


def test_lines_shipping_one_by_one_make_the_order_partially_shipped_then_shipped():
    order = OrderFactory(status=OrderStatus.ACCEPTED)
    first = OrderLineFactory(partner_order__order=order, partner_order__status=P.ACCEPTED)
    second = OrderLineFactory(partner_order=first.partner_order)
    tracking = Tracking(carrier="DPD", number="15501234", url="https://track.example/15501234")

    order_line_transition(line_id=first.pk, to=L.SHIPPED, actor="system", tracking=tracking)
    order.refresh_from_db()
    partially = order.status
    order_line_transition(line_id=second.pk, to=L.SHIPPED, actor="system")
    order.refresh_from_db()

    first.refresh_from_db()
    assert (partially, order.status) == (OrderStatus.PARTIALLY_SHIPPED, OrderStatus.SHIPPED)
    assert (first.carrier, first.tracking_number, first.tracking_url) == (
        "DPD",
        "15501234",
        "https://track.example/15501234",
    )
    assert OrderEvent.objects.filter(type=EventType.LINE_STATUS_CHANGED).first().data == {
        "from": "pending",
        "to": "shipped",
        "line": first.pk,
        "partner_sku": first.partner_sku,
        "reason": "",
        "carrier": "DPD",
        "tracking_number": "15501234",
        "tracking_url": "https://track.example/15501234",
    }


def test_event_ids_only_grow():
    partner_order = PartnerOrderFactory(status=P.PENDING)
    OrderLineFactory(partner_order=partner_order)

    for to in (P.SUBMITTED, P.ACCEPTED, P.SHIPPED, P.DELIVERED):
        partner_order_transition(partner_order_id=partner_order.pk, to=to, actor="system")

    ids = list(OrderEvent.objects.order_by("at", "id").values_list("id", flat=True))
    assert len(ids) == 8  # each move and each change of the order's status
    assert ids == sorted(ids)
    assert len(set(ids)) == 8


def sessions_waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_moving_one_partner_order_take_turns():
    """A second claim of a partner order while the first claim's transaction is open waits
    for its lock, then sees 'submitted' and is refused. Without the lock it would read
    'pending' and claim (and send) it too."""
    line = OrderLineFactory(partner_order__status=P.PENDING)
    partner_order = line.partner_order
    first_claimed, release = threading.Event(), threading.Event()
    claimed, refused = [], []

    def claim(worker: str) -> None:
        try:
            partner_order_transition(
                partner_order_id=partner_order.pk, to=P.SUBMITTED, actor=worker
            )
            claimed.append(worker)
        except IllegalTransition as error:
            refused.append((worker, error.current))

    def first() -> None:
        try:
            with transaction.atomic():
                claim("worker-1")
                first_claimed.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    def second() -> None:
        try:
            claim("worker-2")
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert first_claimed.wait(timeout=30)
    threads[1].start()
    wait_for(lambda: sessions_waiting_for_a_lock() == 1)
    release.set()
    for thread in threads:
        thread.join()

    partner_order.refresh_from_db()
    assert partner_order.status == P.SUBMITTED
    assert (claimed, refused) == (["worker-1"], [("worker-2", "submitted")])
    moves = OrderEvent.objects.filter(type=EventType.PARTNER_ORDER_STATUS_CHANGED)
    assert list(moves.values_list("actor", flat=True)) == ["worker-1"]
