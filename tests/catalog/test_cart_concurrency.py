"""Only PostgreSQL has real row locks and concurrent writers: this race proves that first adds
arriving at once (two tabs, a double tap) share one active cart instead of failing or making
two. Runs in CI (marked postgres); skipped on SQLite locally."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from catalog.cart_services import cart_line_add
from catalog.models import Cart, CartLine, PricingRule
from partners.sandbox.catalog import PartnerName
from stores.roles import Role

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
