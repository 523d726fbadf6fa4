"""Only PostgreSQL has real row locks and concurrent writers: these races prove that first adds
arriving at once (two tabs, a double tap) share one active cart instead of failing or making
two, and that the expiry task never deletes a cart being resumed. Run in CI (marked postgres);
skipped on SQLite locally."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from catalog.cart_services import cart_line_add, carts_parked_expire
from catalog.models import Cart, CartLine, PricingRule
from partners.sandbox.catalog import PartnerName
from stores.roles import Role
from tests.factories import CartFactory

RACERS = 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_first_adds_at_once_share_one_active_cart(live, sandbox, store, user_in_role):
    PricingRule.objects.create(markup_percent=Decimal(100), margin_floor_percent=Decimal(0))
    associate = user_in_role(Role.ASSOCIATE)
    threadline = next(partner for partner in live if partner.slug == PartnerName.THREADLINE)
    gtins = [
        variant.variant.gtin
        for offer in sandbox.threadline.catalog.offers
        for variant in offer.variants
        if variant.stock >= 5
    ][:RACERS]
    start = threading.Barrier(RACERS)
    errors = []

    def add(gtin: str) -> None:
        try:
            start.wait()
            cart_line_add(store=store, user=associate, gtin14=gtin, partner=threadline, quantity=1)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(gtin,)) for gtin in gtins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    cart = Cart.objects.get(associate=associate)
    assert cart.status == Cart.Status.ACTIVE
    assert CartLine.objects.filter(cart=cart).count() == RACERS


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_expiry_task_never_deletes_a_cart_being_resumed(store, user_in_role):
    """Expiry and a resume of the same parked cart, at its expiry time: the resume holds the
    cart's row lock when the task runs, so the task must leave it alone (before the fix it
    waited for the lock, then deleted the now active cart by its id)."""
    now = timezone.now()
    associate = user_in_role(Role.ASSOCIATE)
    parked = CartFactory(
        store=store,
        associate=associate,
        status=Cart.Status.PARKED,
        customer_name="Ada",
        parked_at=now - timedelta(days=2),
        expires_at=now - timedelta(seconds=1),
    )
    locked, expired = threading.Event(), threading.Event()
    deleted = []

    def resume() -> None:
        try:
            with transaction.atomic():
                cart = Cart.objects.select_for_update().get(pk=parked.pk)
                cart.status, cart.parked_at, cart.expires_at = Cart.Status.ACTIVE, None, None
                cart.save()
                locked.set()
                expired.wait(timeout=5)  # the task, fixed, does not wait for this lock
        finally:
            connection.close()

    def expire() -> None:
        try:
            deleted.append(carts_parked_expire(now=now))
        finally:
            expired.set()
            connection.close()

    resuming = threading.Thread(target=resume)
    resuming.start()
    assert locked.wait(timeout=5)
    expiring = threading.Thread(target=expire)
    expiring.start()
    expiring.join()
    resuming.join()

    assert deleted == [0]
    assert Cart.objects.get(pk=parked.pk).status == Cart.Status.ACTIVE
