"""Fixtures for the order pipeline's tests: the sandbox partners priced for the London store,
a cart with an item from each of `partners`, and a till checkout of it."""

import uuid
from decimal import Decimal

import pytest

from catalog.cart_selectors import cart_active_for
from catalog.cart_services import cart_line_add
from catalog.sandbox.demo_catalogue import demo_catalogue_seed
from catalog.selectors import pricing_context_for
from orders.checkout_forms import Delivery, DeliveryMethod, store_address
from orders.checkout_services import (
    Customer,
    SeenPrices,
    TillPayment,
    order_checkout,
    partner_groups,
)
from orders.totals import PricedLine, checkout_totals
from stores.roles import Role
from tests.partners.sandbox.picks import in_stock

CUSTOMER = Customer(name="Ada Lovelace", email="ada@example.com", phone="+447700900123")


@pytest.fixture
def associate(user_in_role):
    return user_in_role(Role.ASSOCIATE, username="asha")


@pytest.fixture
def priced(onboarded, store):
    demo_catalogue_seed()
    return onboarded


def gtin_of(sandbox, slug: str, position: int = 0) -> str:
    return in_stock(getattr(sandbox, slug), skip=position)[1].variant.gtin


@pytest.fixture
def cart_of(priced, sandbox, store, associate):
    """`cart_of(("threadline", 0), ("baywater", 0), ("baywater", 1))`: the associate's cart
    with one of each (partner slug, in-stock item position)."""

    def make(*items: tuple[str, int]):
        for slug, position in items:
            cart_line_add(
                store=store,
                user=associate,
                gtin14=gtin_of(sandbox, slug, position).zfill(14),
                partner=priced[slug],
                quantity=1,
            )
        return cart_active_for(store=store, user=associate)

    return make


def seen(cart) -> SeenPrices:
    """What the checkout page showed: the lines' prices and the server's total for them."""
    lines = list(cart.lines.select_related("partner").order_by("pk"))
    _, groups = partner_groups(
        lines,
        lambda line: PricedLine(
            unit_price=line.unit_price, quantity=line.quantity, category=_category(line)
        ),
    )
    totals = checkout_totals(parts=groups, pricing=pricing_context_for(cart.store))
    return SeenPrices(unit_prices={line.pk: line.unit_price for line in lines}, total=totals.total)


def _category(line) -> str:
    from catalog.selectors import catalogue_facts_for

    entry = catalogue_facts_for([line.gtin14]).entry(line.gtin14)
    return entry.category if entry else ""


def pickup(store) -> Delivery:
    return Delivery(DeliveryMethod.STORE_PICKUP, store_address(store))


@pytest.fixture
def checkout(store, associate):
    """Check `cart` out at the till for the total the page showed."""

    def run(cart, *, token=None, seen_prices=None, payment=None):
        seen_prices = seen_prices or seen(cart)
        return order_checkout(
            store=store,
            associate=associate,
            cart=cart,
            customer=CUSTOMER,
            delivery=pickup(store),
            payment=payment or TillPayment(receipt_reference="TILL-0042", amount=seen_prices.total),
            checkout_token=token or uuid.uuid4(),
            seen_prices=seen_prices,
        )

    return run


ZERO = Decimal("0.00")
