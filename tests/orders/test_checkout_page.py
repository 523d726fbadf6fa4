# ruff: noqa: F811 - pytest fixtures imported from tests.orders.pipeline_fixtures
"""The checkout page over the sandbox partners: who may use it, a till checkout, Pay pressed
twice, changed prices, forms that keep what was typed, and the card option."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Cart
from orders.checkout_payment_form import seen_signed
from orders.checkout_services import SeenPrices
from orders.models import Order, OrderEvent, OutboxMessage, PartnerOrder
from stores.roles import Role
from tests.orders.checkout_page_steps import CUSTOMER, page_fields, till_post
from tests.orders.pipeline_fixtures import (  # noqa: F401 - fixtures
    associate,
    cart_of,
    priced,
    seen,
)

pytestmark = pytest.mark.django_db(transaction=True)
CHECKOUT = "/checkout/"


@pytest.fixture
def signed_in(client, associate):
    client.force_login(associate)
    return client


def test_the_page_shows_each_partner_order_the_totals_and_a_card_option_for_the_script(
    cart_of, signed_in
):
    cart = cart_of(("threadline", 0), ("baywater", 0))
    expected = seen(cart)

    page = signed_in.get(CHECKOUT)

    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-testid="checkout-total">£{expected.total}<' in html
    assert 'data-testid="summary-threadline"' in html
    assert 'data-testid="summary-baywater"' in html
    assert uuid.UUID(page_fields(page)["payment-checkout_token"])
    assert 'data-token-count="2"' in html  # one single-use card token per partner order
    assert '<div class="choice" data-card-option hidden>' in html  # shown by the script
    assert 'name="payment-card_tokens"' in html
    assert "card_fields.js" in html


@pytest.mark.parametrize("role", [Role.KIOSK, Role.MERCHANDISER])
def test_roles_that_do_not_take_orders_are_refused(client, user_in_role, role):
    client.force_login(user_in_role(role))

    assert client.get(CHECKOUT).status_code == 403
    assert client.post(CHECKOUT, {}).status_code == 403
    assert Order.objects.count() == 0


def test_an_empty_cart_is_sent_back_to_the_cart(signed_in):
    response = signed_in.get(CHECKOUT, follow=True)

    assert response.redirect_chain == [(reverse("catalog:cart"), 302)]
    assert "The cart is empty: add an item before checking out." in response.content.decode()


def test_a_till_checkout_writes_one_order_and_shows_its_confirmation(cart_of, signed_in, store):
    cart = cart_of(("threadline", 0), ("baywater", 0))
    total = seen(cart).total
    page = signed_in.get(CHECKOUT)

    response = signed_in.post(CHECKOUT, till_post(page, total))

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/checkout/done/{order.number}/"
    assert (order.store, order.total, order.payment_reference) == (store, total, "TILL-0042")
    assert (order.customer_name, order.customer_phone) == ("Ada Lovelace", "+447400123456")
    assert order.delivery_method == Order.DeliveryMethod.PICKUP_AT_STORE
    assert order.partner_orders.count() == 2
    assert not Cart.objects.filter(pk=cart.pk).exists()
    confirmation = signed_in.get(response["Location"]).content.decode()
    assert f'data-testid="order-number">{order.number}<' in confirmation
    assert "Paid at the till: receipt <strong>TILL-0042</strong>" in confirmation


def test_pay_pressed_twice_makes_one_order_and_both_go_to_its_confirmation(cart_of, signed_in):
    cart = cart_of(("threadline", 0))
    form = till_post(signed_in.get(CHECKOUT), seen(cart).total)

    first = signed_in.post(CHECKOUT, form)
    second = signed_in.post(CHECKOUT, form)

    assert Order.objects.count() == 1
    assert PartnerOrder.objects.count() == 1
    assert (
        first["Location"] == second["Location"] == f"/checkout/done/{Order.objects.get().number}/"
    )


def test_changed_prices_show_the_differences_write_nothing_and_the_next_pay_proceeds(
    cart_of, signed_in
):
    cart = cart_of(("threadline", 0))
    [line] = cart.lines.all()
    confirmed = seen(cart)
    token = uuid.uuid4()
    stale = SeenPrices(
        unit_prices={line.pk: line.unit_price - Decimal("1.00")}, total=confirmed.total
    )
    form = till_post(
        signed_in.get(CHECKOUT),
        confirmed.total,
        **{"payment-checkout_token": str(token), "payment-confirmed": seen_signed(stale, token)},
    )

    changed = signed_in.post(CHECKOUT, form)

    html = changed.content.decode()
    assert changed.status_code == 409
    assert f"The price is now £{line.unit_price}." in html
    assert "Prices or availability changed: nothing was charged" in html
    assert Order.objects.count() == 0
    assert OutboxMessage.objects.count() == 0
    assert OrderEvent.objects.count() == 0
    assert cart.lines.count() == 1
    assert 'value="Ada Lovelace"' in html  # what was typed stays
    again = signed_in.post(CHECKOUT, {**form, **page_fields(changed)})
    assert again.status_code == 302
    assert Order.objects.get().total == confirmed.total


def test_invalid_forms_keep_what_was_typed_and_write_nothing(cart_of, signed_in):
    cart = cart_of(("threadline", 0))
    form = till_post(
        signed_in.get(CHECKOUT),
        seen(cart).total,
        **{
            "customer-email": "ada at example",
            "delivery-method": "customer",
            "delivery-country": "GB",
            "delivery-address_line1": "1 Analytical Row",
            "delivery-city": "London",
            "delivery-postal_code": "not a postcode",
            "payment-receipt_reference": "",
        },
    )

    response = signed_in.post(CHECKOUT, form)

    html = response.content.decode()
    assert response.status_code == 400
    assert 'value="ada at example"' in html
    assert 'value="1 Analytical Row"' in html
    assert 'value="07400 123456"' in html
    assert "Enter a valid email address." in html
    assert "Type the reference printed on the receipt." in html
    assert 'id="id_delivery-postal_code_error"' in html
    assert form["payment-checkout_token"] in html  # the same checkout, still
    assert Order.objects.count() == 0
    assert cart.lines.count() == 1


def test_a_till_amount_other_than_the_total_is_refused_and_nothing_written(cart_of, signed_in):
    cart = cart_of(("threadline", 0))
    total = seen(cart).total

    response = signed_in.post(CHECKOUT, till_post(signed_in.get(CHECKOUT), total - 1))

    assert response.status_code == 409
    assert f"The till took £{total - 1} but the order&#x27;s total is £{total}." in (
        response.content.decode()
    )
    assert Order.objects.count() == 0


def test_with_cards_off_there_is_no_card_option_and_a_card_post_is_refused(
    cart_of, signed_in, settings
):
    settings.PAYMENT_CARDS_ENABLED = False
    cart = cart_of(("threadline", 0))
    page = signed_in.get(CHECKOUT)

    response = signed_in.post(
        CHECKOUT, till_post(page, seen(cart).total, **{"payment-method": "card"})
    )

    assert 'value="card"' not in page.content.decode()
    assert "card_fields.js" not in page.content.decode()
    assert response.status_code == 400
    assert "Select a valid choice. card is not one of the available choices." in (
        response.content.decode()
    )
    assert Order.objects.count() == 0


def test_a_confirmation_of_another_store_is_not_found(
    cart_of, signed_in, client, user_in_role, other_store
):
    cart = cart_of(("threadline", 0))
    signed_in.post(CHECKOUT, till_post(signed_in.get(CHECKOUT), seen(cart).total))
    number = Order.objects.get().number
    client.force_login(user_in_role(Role.ASSOCIATE, stores=[other_store]))

    assert client.get(f"/checkout/done/{number}/").status_code == 404
    assert CUSTOMER["customer-name"] not in client.get(f"/checkout/done/{number}/").content.decode()


def test_a_line_that_cannot_be_ordered_is_named_and_there_is_no_pay_button(cart_of, signed_in):
    cart = cart_of(("threadline", 0))
    cart.lines.update(quantity=999)  # more than the partner has

    page = signed_in.get(CHECKOUT)

    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="checkout-problems"' in html
    assert "Only " in html and " left at Threadline." in html
    assert 'data-testid="pay"' not in html
