"""Checkout in one transaction, over the sandbox partners (real HTTP re-pricing)."""

import uuid
from decimal import Decimal

import pytest

from catalog.models import Cart, CartLine
from orders.checkout_services import PricesChanged, SeenPrices
from orders.events import EventType
from orders.models import Order, OrderEvent, OrderLine, OutboxMessage, PartnerOrder
from tests.orders.pipeline_fixtures import seen

pytestmark = pytest.mark.django_db(transaction=True)


def test_checkout_writes_the_order_its_partner_orders_lines_outbox_and_events(cart_of, checkout):
    cart = cart_of(("threadline", 0), ("baywater", 0), ("baywater", 1))

    order = checkout(cart)

    partner_orders = list(order.partner_orders.order_by("pk"))
    assert [(po.partner_slug, po.lines.count()) for po in partner_orders] == [
        ("threadline", 1),
        ("baywater", 1),
        ("baywater", 1),
    ]
    assert [po.reference for po in partner_orders] == [f"{order.number}-{n}" for n in (1, 2, 3)]
    assert order.payment_reference == "TILL-0042"
    assert order.till_amount == order.total
    assert OrderLine.objects.filter(partner_order__order=order).count() == 3
    assert all(line.unit_cost > 0 for line in OrderLine.objects.all())
    assert OutboxMessage.objects.filter(partner_order__order=order).count() == 3
    assert OutboxMessage.objects.filter(published_at__isnull=True).count() == 0
    placed = OrderEvent.objects.get(order=order, type=EventType.ORDER_PLACED)
    assert placed.data["total"] == str(order.total)
    assert len(placed.data["partner_orders"]) == 3
    assert not Cart.objects.filter(pk=cart.pk).exists()


def test_the_same_checkout_token_twice_makes_one_order(cart_of, checkout):
    cart = cart_of(("threadline", 0))
    token = uuid.uuid4()
    seen_prices = seen(cart)

    first = checkout(cart, token=token, seen_prices=seen_prices)
    second = checkout(cart, token=token, seen_prices=seen_prices)

    assert first == second
    assert Order.objects.count() == 1
    assert PartnerOrder.objects.count() == 1


def test_changed_prices_stop_checkout_with_the_differences_and_write_nothing(cart_of, checkout):
    cart = cart_of(("threadline", 0))
    [line] = cart.lines.all()
    confirmed = seen(cart)
    stale = SeenPrices(
        unit_prices={line.pk: line.unit_price - Decimal("1.00")}, total=confirmed.total
    )

    with pytest.raises(PricesChanged) as changed:
        checkout(cart, seen_prices=stale)

    assert [change.message for change in changed.value.changes] == [
        f"The price is now £{line.unit_price}."
    ]
    assert Order.objects.count() == 0
    assert OutboxMessage.objects.count() == 0
    assert OrderEvent.objects.count() == 0
    assert CartLine.objects.filter(pk=line.pk).exists()
