"""Carts without partner calls: one active cart per associate and store, park and resume,
expiry, quantity bounds when fewer are wanted, and who may reach which cart."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from catalog import cart_services
from catalog.cart_checks import (
    ATTRIBUTE_NAME_MAX_CHARS,
    ATTRIBUTE_VALUE_MAX_CHARS,
    ATTRIBUTES_MAX,
    attributes_bounded,
    money_display,
)
from catalog.cart_selectors import cart_active_for, cart_summary, carts_parked
from catalog.cart_services import (
    CartNotFound,
    CartRefused,
    cart_line_quantity_set,
    cart_line_remove,
    cart_park,
    cart_resume,
    carts_parked_expire,
)
from catalog.models import Cart, CartLine
from catalog.tasks import carts_parked_expire_due
from stores.roles import Role
from tests.factories import CartFactory, CartLineFactory, PartnerFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture
def colleague(user_in_role):
    return user_in_role(Role.ASSOCIATE, username="ben")


def parked(store, associate, name="Ms Byrne", *, expires_in=timedelta(hours=5), **fields):
    cart = CartFactory(
        store=store,
        associate=associate,
        status=Cart.Status.PARKED,
        customer_name=name,
        parked_at=timezone.now(),
        expires_at=timezone.now() + expires_in,
        **fields,
    )
    CartLineFactory(cart=cart)
    return cart


# --- one active cart ---


def test_an_associate_has_one_active_cart_per_store(store, associate):
    CartFactory(store=store, associate=associate)

    with pytest.raises(IntegrityError), transaction.atomic():
        CartFactory(store=store, associate=associate)

    assert Cart.objects.filter(associate=associate).count() == 1


def test_parked_carts_and_other_stores_do_not_count_against_the_one_active(
    store, other_store, associate
):
    CartFactory(store=store, associate=associate)
    parked(store, associate, "Ms Byrne")
    parked(store, associate, "Mr Walsh")
    CartFactory(store=other_store, associate=associate)

    assert Cart.objects.filter(associate=associate, status=Cart.Status.ACTIVE).count() == 2


def test_a_parked_cart_needs_a_customer_name_and_an_expiry(store, associate):
    with pytest.raises(IntegrityError), transaction.atomic():
        CartFactory(store=store, associate=associate, status=Cart.Status.PARKED)


# --- park ---


def test_parking_keeps_the_cart_under_the_customer_until_it_expires(store, associate, settings):
    settings.CART_PARKED_HOURS = 3
    cart = CartFactory(store=store, associate=associate)
    CartLineFactory(cart=cart)
    before = timezone.now()

    result = cart_park(store=store, user=associate, customer_name="  Aoife   Byrne ")

    cart.refresh_from_db()
    assert result == cart
    assert (cart.status, cart.customer_name) == (Cart.Status.PARKED, "Aoife Byrne")
    assert cart.expires_at - cart.parked_at == timedelta(hours=3)
    assert cart.parked_at >= before
    assert cart_active_for(store=store, user=associate) is None
    assert list(carts_parked(store=store)) == [cart]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("   ", "Type the customer's name to park the cart under."),
        ("x" * 81, "A customer's name has at most 80 characters."),
    ],
)
def test_parking_needs_a_name_of_bounded_length(store, associate, name, message):
    cart = CartFactory(store=store, associate=associate)
    CartLineFactory(cart=cart)

    with pytest.raises(CartRefused) as refusal:
        cart_park(store=store, user=associate, customer_name=name)

    assert refusal.value.message == message
    cart.refresh_from_db()
    assert cart.status == Cart.Status.ACTIVE


def test_an_empty_cart_is_not_parked(store, associate):
    CartFactory(store=store, associate=associate)

    with pytest.raises(CartRefused, match="The cart is empty"):
        cart_park(store=store, user=associate, customer_name="Ms Byrne")

    assert not Cart.objects.filter(status=Cart.Status.PARKED).exists()


# --- resume ---


def test_resuming_makes_a_parked_cart_active_for_whoever_resumes_it(store, associate, colleague):
    cart = parked(store, associate)

    cart_resume(store=store, user=colleague, cart_id=cart.pk)

    cart.refresh_from_db()
    assert (cart.status, cart.associate, cart.customer_name) == (
        Cart.Status.ACTIVE,
        colleague,
        "Ms Byrne",
    )
    assert (cart.parked_at, cart.expires_at) == (None, None)
    assert cart_active_for(store=store, user=colleague) == cart
    assert list(carts_parked(store=store)) == []


def test_resuming_replaces_an_empty_open_cart(store, associate):
    empty = CartFactory(store=store, associate=associate)
    cart = parked(store, associate)

    cart_resume(store=store, user=associate, cart_id=cart.pk)

    assert not Cart.objects.filter(pk=empty.pk).exists()
    assert cart_active_for(store=store, user=associate) == cart


def test_resuming_is_refused_while_the_open_cart_has_items(store, associate):
    open_cart = CartFactory(store=store, associate=associate)
    CartLineFactory(cart=open_cart)
    cart = parked(store, associate)

    with pytest.raises(CartRefused, match="Park the cart you have open first"):
        cart_resume(store=store, user=associate, cart_id=cart.pk)

    cart.refresh_from_db()
    assert cart.status == Cart.Status.PARKED
    assert cart_active_for(store=store, user=associate) == open_cart


def test_a_cart_opened_in_another_tab_while_resuming_is_a_refusal_not_an_error(
    store, associate, monkeypatch
):
    """Another tab's first add creates the open cart after the resume looked for one (on
    PostgreSQL there is no row to lock before it exists): the one-active-cart constraint
    stops the resume, which must say so rather than fail."""
    cart = parked(store, associate)
    CartLineFactory(cart=CartFactory(store=store, associate=associate))
    monkeypatch.setattr(cart_services, "_active_cart_locked", lambda **kwargs: None)

    with pytest.raises(CartRefused, match="A cart was opened meanwhile"):
        cart_resume(store=store, user=associate, cart_id=cart.pk)

    cart.refresh_from_db()
    assert cart.status == Cart.Status.PARKED


def test_an_expired_or_other_stores_parked_cart_cannot_be_resumed(store, other_store, associate):
    expired = parked(store, associate, expires_in=timedelta(seconds=-1))
    elsewhere = parked(other_store, associate)

    for cart in (expired, elsewhere):
        with pytest.raises(CartNotFound):
            cart_resume(store=store, user=associate, cart_id=cart.pk)

    assert Cart.objects.filter(status=Cart.Status.PARKED).count() == 2


# --- expiry ---


def test_expiry_deletes_only_parked_carts_past_their_time(store, associate, colleague):
    due = parked(store, associate, "Ms Byrne", expires_in=timedelta(minutes=-1))
    waiting = parked(store, associate, "Mr Walsh", expires_in=timedelta(minutes=10))
    active = CartFactory(store=store, associate=colleague)

    deleted = carts_parked_expire()

    assert deleted == 1
    assert set(Cart.objects.values_list("pk", flat=True)) == {waiting.pk, active.pk}
    assert not CartLine.objects.filter(cart_id=due.pk).exists()


def test_the_beat_task_expires_parked_carts(store, associate, settings):
    parked(store, associate, expires_in=timedelta(minutes=-1))

    assert carts_parked_expire_due() == 1
    assert not Cart.objects.exists()
    assert settings.CELERY_BEAT_SCHEDULE["carts-parked-expire"]["task"] == (
        "catalog.tasks.carts_parked_expire_due"
    )


def test_an_expired_cart_leaves_the_parked_list_before_the_task_runs(store, associate):
    parked(store, associate, expires_in=timedelta(seconds=-1))
    waiting = parked(store, associate, "Mr Walsh")

    assert list(carts_parked(store=store)) == [waiting]


# --- quantity and remove without asking partners ---


def test_fewer_needs_no_partner_and_clears_only_n_left(store, associate):
    cart = CartFactory(store=store, associate=associate)
    line = CartLineFactory(
        cart=cart,
        quantity=5,
        available_quantity=2,
        problem=CartLine.Problem.SHORT,
        problem_reason="Only 2 left at Partner.",
    )

    cart_line_quantity_set(store=store, user=associate, line_id=line.pk, quantity=2)

    line.refresh_from_db()
    assert (line.quantity, line.problem, line.problem_reason) == (2, "", "")


@pytest.mark.parametrize("quantity", [0, 100, -1])
def test_a_quantity_out_of_bounds_is_refused(store, associate, quantity):
    line = CartLineFactory(cart=CartFactory(store=store, associate=associate), quantity=3)

    with pytest.raises(CartRefused, match="from 1 to 99"):
        cart_line_quantity_set(store=store, user=associate, line_id=line.pk, quantity=quantity)

    line.refresh_from_db()
    assert line.quantity == 3


def test_another_associates_line_is_not_found(store, associate, colleague):
    line = CartLineFactory(cart=CartFactory(store=store, associate=colleague))

    with pytest.raises(CartNotFound):
        cart_line_remove(store=store, user=associate, line_id=line.pk)
    with pytest.raises(CartNotFound):
        cart_line_quantity_set(store=store, user=associate, line_id=line.pk, quantity=1)

    assert CartLine.objects.filter(pk=line.pk, quantity=1).exists()


# --- summary ---


def test_lines_are_grouped_by_partner_with_subtotals_and_a_total(
    store, associate, django_assert_num_queries
):
    first = PartnerFactory(name="Alpha", priority=1)
    second = PartnerFactory(name="Beta", priority=2)
    cart = CartFactory(store=store, associate=associate)
    a1 = CartLineFactory(cart=cart, partner=first, unit_price=Decimal("10.50"), quantity=2)
    a2 = CartLineFactory(cart=cart, partner=first, unit_price=Decimal("3.00"), quantity=1)
    b1 = CartLineFactory(cart=cart, partner=second, unit_price=Decimal("7.25"), quantity=4)
    CartLineFactory(
        cart=cart,
        partner=second,
        unit_price=Decimal("99.00"),
        problem=CartLine.Problem.UNAVAILABLE,
        problem_reason="No longer available from Beta.",
    )

    with django_assert_num_queries(1):
        summary = cart_summary(cart=cart, currency="GBP")

    assert [(group.partner, group.subtotal) for group in summary.groups] == [
        (first, Decimal("24.00")),
        (second, Decimal("29.00")),
    ]
    assert [line.pk for line in summary.groups[0].lines] == [a1.pk, a2.pk]
    assert summary.groups[1].lines[0].pk == b1.pk
    assert summary.total == Decimal("53.00")
    assert (summary.line_count, summary.item_count, summary.has_problems) == (4, 8, True)


def test_an_empty_cart_totals_zero(store):
    summary = cart_summary(cart=None, currency="EUR")

    assert (summary.groups, str(summary.total)) == ((), "0.00")


def test_what_is_kept_of_a_partners_attributes_is_bounded():
    attributes = {f"{n}" * 100: "v" * 500 for n in range(20)}

    kept = attributes_bounded(attributes)

    assert len(kept) == ATTRIBUTES_MAX
    assert {len(name) for name in kept} == {ATTRIBUTE_NAME_MAX_CHARS}
    assert {len(value) for value in kept.values()} == {ATTRIBUTE_VALUE_MAX_CHARS}


def test_money_is_shown_with_the_currency():
    assert money_display(Decimal("12.50"), "EUR") == "€12.50"
    assert money_display(Decimal("9.99"), "GBP") == "£9.99"
    assert money_display(Decimal("30.00"), "CHF") == "30.00 CHF"


# --- pages ---


def test_a_kiosk_never_reaches_carts(client, user_in_role, store, associate):
    parked(store, associate)
    client.force_login(user_in_role(Role.KIOSK))

    pages = [
        client.get(reverse("catalog:cart")),
        client.get(reverse("catalog:carts-parked")),
        client.post(reverse("catalog:cart-add"), {"gtin14": "5012345678900", "partner": "x"}),
        client.post(reverse("catalog:cart-resume"), {"cart": Cart.objects.get().pk}),
    ]

    assert [page.status_code for page in pages] == [403, 403, 403, 403]
    assert Cart.objects.get().status == Cart.Status.PARKED


def test_another_stores_cart_is_not_found(client, store, other_store, user_in_role, associate):
    elsewhere = parked(other_store, user_in_role(Role.ASSOCIATE, stores=[other_store]))
    line = elsewhere.lines.get()
    client.force_login(associate)

    responses = [
        client.post(reverse("catalog:cart-resume"), {"cart": elsewhere.pk}),
        client.post(reverse("catalog:cart-line-remove"), {"line": line.pk}),
        client.post(reverse("catalog:cart-line-quantity"), {"line": line.pk, "quantity": 2}),
    ]

    # Told as for a cart or item gone meanwhile: nothing says the other store's exists.
    assert [response["Location"] for response in responses] == [
        reverse("catalog:carts-parked"),
        reverse("catalog:cart"),
        reverse("catalog:cart"),
    ]
    elsewhere.refresh_from_db()
    line.refresh_from_db()
    assert (elsewhere.status, line.quantity) == (Cart.Status.PARKED, 1)


def test_the_parked_list_shows_only_the_stores_carts(
    client, store, other_store, associate, user_in_role
):
    mine = parked(store, associate, "Aoife Byrne")
    parked(other_store, user_in_role(Role.ASSOCIATE, stores=[other_store]), "Niamh Walsh")
    client.force_login(associate)

    page = client.get(reverse("catalog:carts-parked"))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Aoife Byrne" in html
    assert f'data-testid="parked-cart-{mine.pk}"' in html
    assert "Niamh Walsh" not in html


def test_park_and_resume_through_the_pages(client, store, associate):
    cart = CartFactory(store=store, associate=associate)
    CartLineFactory(cart=cart)
    client.force_login(associate)

    park = client.post(reverse("catalog:cart-park"), {"customer_name": "Aoife Byrne"})
    resume = client.post(reverse("catalog:cart-resume"), {"cart": cart.pk})

    assert park["Location"] == reverse("catalog:carts-parked")
    assert resume["Location"] == reverse("catalog:cart")
    cart.refresh_from_db()
    assert (cart.status, cart.customer_name) == (Cart.Status.ACTIVE, "Aoife Byrne")


def test_a_park_without_a_name_says_so(client, store, associate):
    cart = CartFactory(store=store, associate=associate)
    CartLineFactory(cart=cart)
    client.force_login(associate)

    response = client.post(reverse("catalog:cart-park"), {"customer_name": ""}, follow=True)

    assert "Customer&#x27;s name: This field is required." in response.content.decode()
    cart.refresh_from_db()
    assert cart.status == Cart.Status.ACTIVE


def test_more_from_a_partner_not_serving_stores_is_refused(store, associate):
    paused = PartnerFactory(name="Paused Co", status="paused")
    line = CartLineFactory(cart=CartFactory(store=store, associate=associate), partner=paused)

    with pytest.raises(CartRefused, match="Paused Co is not serving stores right now"):
        cart_line_quantity_set(store=store, user=associate, line_id=line.pk, quantity=2)

    line.refresh_from_db()
    assert line.quantity == 1


@pytest.mark.parametrize("reference", ["²", "١٢", "9" * 40])
def test_an_add_naming_a_partner_by_an_odd_number_says_no_such_partner(
    client, store, associate, reference
):
    client.force_login(associate)

    response = client.post(
        reverse("catalog:cart-add"),
        {"gtin14": "5012345678900", "partner": reference, "quantity": 1},
        follow=True,
    )

    assert response.status_code == 200
    assert "No such partner." in response.content.decode()
    assert not CartLine.objects.exists()


def test_resuming_a_cart_a_colleague_resumed_meanwhile_says_so(client, store, associate, colleague):
    """The parked list stays open on a tablet: the cart may be gone when Resume is pressed."""
    cart = parked(store, associate)
    cart_resume(store=store, user=colleague, cart_id=cart.pk)
    client.force_login(associate)

    response = client.post(reverse("catalog:cart-resume"), {"cart": cart.pk}, follow=True)

    assert response.redirect_chain == [(reverse("catalog:carts-parked"), 302)]
    assert [str(message) for message in response.context["messages"]] == [
        "That parked cart is gone: resumed by someone else, or expired."
    ]
    cart.refresh_from_db()
    assert cart.associate == colleague


def test_removing_an_item_removed_in_another_tab_says_so(client, store, associate):
    line = CartLineFactory(cart=CartFactory(store=store, associate=associate))
    cart_line_remove(store=store, user=associate, line_id=line.pk)
    client.force_login(associate)

    response = client.post(reverse("catalog:cart-line-remove"), {"line": line.pk}, follow=True)

    assert response.redirect_chain == [(reverse("catalog:cart"), 302)]
    assert [str(message) for message in response.context["messages"]] == [
        "That item is no longer in your cart."
    ]
