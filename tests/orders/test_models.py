import threading
import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from orders.models import AppendOnlyError, Order, OrderEvent, OrderLine, PartnerOrder
from orders.services import order_number_next
from tests.factories import StoreFactory, UserFactory
from tests.orders.factories import OrderFactory, OrderLineFactory, PartnerOrderFactory

pytestmark = pytest.mark.django_db


def test_order_numbers_count_up_per_store_with_its_code(store, other_store):
    numbers = [
        order_number_next(store=store),
        order_number_next(store=store),
        order_number_next(store=other_store),
    ]

    assert numbers == ["LDN-01-00001", "LDN-01-00002", "DUB-01-00001"]


def test_a_rolled_back_checkout_gives_its_number_back(store):
    with pytest.raises(RuntimeError), transaction.atomic():
        order_number_next(store=store)
        raise RuntimeError("checkout failed")

    assert order_number_next(store=store) == "LDN-01-00001"


def test_two_orders_never_share_a_number():
    order = OrderFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        OrderFactory(store=order.store, number=order.number)

    assert Order.objects.filter(number=order.number).count() == 1


def test_one_checkout_token_makes_one_order():
    """Pay pressed twice: the second insert with the same token is refused by the database."""
    token = uuid.uuid4()
    OrderFactory(checkout_token=token)

    with pytest.raises(IntegrityError), transaction.atomic():
        OrderFactory(checkout_token=token)

    assert Order.objects.filter(checkout_token=token).count() == 1


@pytest.mark.parametrize("field", ["subtotal", "shipping_total", "tax_total", "total"])
def test_an_order_amount_is_never_negative(field):
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderFactory(**{field: Decimal("-0.01")})

    assert not Order.objects.exists()


@pytest.mark.parametrize(
    "values",
    [
        {"quantity": 0},
        {"unit_price": Decimal("-1")},
        {"unit_cost": Decimal("-1")},
        {"exchange_rate": Decimal(0)},
    ],
)
def test_a_line_needs_a_quantity_and_no_negative_amounts(values):
    partner_order = PartnerOrderFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLineFactory(partner_order=partner_order, **values)

    assert not OrderLine.objects.exists()


def test_idempotency_keys_are_unique():
    first = PartnerOrderFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerOrderFactory(idempotency_key=first.idempotency_key)

    assert PartnerOrder.objects.count() == 1


def test_a_partner_with_orders_cannot_be_deleted():
    partner_order = PartnerOrderFactory()

    with pytest.raises(ProtectedError):
        partner_order.partner.delete()

    assert PartnerOrder.objects.filter(pk=partner_order.pk).exists()


@pytest.fixture
def event(db):
    return OrderEvent.objects.create(
        order=OrderFactory(), type="order_status_changed", data={"to": "submitted"}, actor="x"
    )


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda event: event.save(), id="save"),
        pytest.param(lambda event: event.delete(), id="delete"),
        pytest.param(
            lambda event: OrderEvent.objects.filter(pk=event.pk).update(actor="y"),
            id="queryset-update",
        ),
        pytest.param(
            lambda event: OrderEvent.objects.filter(pk=event.pk).delete(), id="queryset-delete"
        ),
    ],
)
def test_events_are_never_changed_or_deleted(event, change):
    event.actor = "someone else"

    with pytest.raises(AppendOnlyError):
        change(event)

    stored = OrderEvent.objects.get(pk=event.pk)
    assert (stored.actor, stored.data) == ("x", {"to": "submitted"})


def stored_event(event: OrderEvent) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT actor, type FROM orders_orderevent WHERE id = %s", [event.pk])
        return cursor.fetchone()


def test_the_database_refuses_to_change_an_event_whatever_the_client(event):
    with (
        pytest.raises(IntegrityError, match="never changed"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE orders_orderevent SET actor = 'someone else' WHERE id = %s", [event.pk]
        )

    assert stored_event(event) == ("x", event.type)


def test_deleting_the_user_who_acted_keeps_the_event_with_their_name(event):
    user = UserFactory(username="asha")
    OrderEvent.objects.create(
        order=event.order, type="order_note", data={}, actor="asha", actor_user=user
    )

    user.delete()

    assert list(
        OrderEvent.objects.filter(order=event.order).values_list("actor", "actor_user")
    ) == [("x", None), ("asha", None)]


@pytest.mark.postgres
def test_postgresql_refuses_to_delete_an_event_whatever_the_client(event):
    with (
        pytest.raises(IntegrityError, match="never changed or deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM orders_orderevent WHERE id = %s", [event.pk])

    assert stored_event(event) == ("x", event.type)


def test_an_order_with_events_cannot_be_deleted(event):
    with pytest.raises(ProtectedError):
        event.order.delete()

    assert OrderEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_checkouts_at_once_at_one_store_get_distinct_numbers():
    store = StoreFactory(code="RACE-01")
    racers = 4
    start = threading.Barrier(racers)
    numbers, errors = [], []

    def checkout() -> None:
        try:
            start.wait()
            with transaction.atomic():
                numbers.append(order_number_next(store=store))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=checkout) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(numbers) == [f"RACE-01-{n:05d}" for n in range(1, racers + 1)]
