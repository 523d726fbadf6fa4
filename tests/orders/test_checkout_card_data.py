# ruff: noqa: F811 - pytest fixtures imported from other conftests
"""A whole card checkout through the page, placed and captured: the card number and CVC are
nowhere in the database (every text column of every table) nor in the logs."""

import logging
import re

import pytest
from django.apps import apps
from django.db import connection, models

from orders.models import CardPayment, Order
from orders.tasks import partner_order_place_task
from tests.orders.checkout_page_steps import CUSTOMER, PICKUP, page_fields
from tests.orders.payments.conftest import (  # noqa: F401 - fixtures
    browser,
    payment_sandbox,
    payment_sandbox_running,
)
from tests.orders.pipeline_fixtures import (  # noqa: F401 - fixtures
    associate,
    cart_of,
    priced,
)

pytestmark = pytest.mark.django_db(transaction=True)

AMEX = "378282246310005"
# Four digits: no port, id or latency in milliseconds can look like it by chance, and it is
# searched for as a whole token (see rows_containing).
AMEX_CVC = "7391"
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def whole_token(text: str) -> re.Pattern:
    return re.compile(rf"(?<![0-9A-Za-z]){re.escape(text)}(?![0-9A-Za-z])")


def rows_containing(text: str) -> list[str]:
    """Every "table.column" of every model with a value holding `text` as a whole token (not
    inside a longer run of letters and digits, where four digits turn up by chance: a random
    hex identifier such as a history row's save id holds "7391" now and then)."""
    token = whole_token(text)
    found = []
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = connection.ops.quote_name(model._meta.db_table)
            for field in model._meta.concrete_fields:
                if not isinstance(field, TEXT_FIELDS):
                    continue
                column = connection.ops.quote_name(field.column)
                cursor.execute(
                    f"SELECT CAST({column} AS TEXT) FROM {table} "  # noqa: S608 - names from the models
                    f"WHERE CAST({column} AS TEXT) LIKE %s",
                    [f"%{text}%"],
                )
                if any(token.search(value) for (value,) in cursor.fetchall()):
                    found.append(f"{model._meta.db_table}.{field.column}")
    return found


def test_a_card_checkout_keeps_no_card_number_or_cvc_anywhere(
    cart_of, client, associate, browser, payment_sandbox, settings, caplog
):
    caplog.set_level(logging.DEBUG)
    settings.PAYMENT_GATEWAY_URL = payment_sandbox.base_url
    cart_of(("threadline", 0), ("baywater", 0))
    client.force_login(associate)
    page = client.get("/checkout/")
    tokens = [browser.tokenise(AMEX, cvc=AMEX_CVC) for _ in range(2)]

    response = client.post(
        "/checkout/",
        {
            **CUSTOMER,
            **PICKUP,
            **page_fields(page),
            "payment-method": "card",
            "payment-card_tokens": ",".join(tokens),
            "payment-card_brand": "amex",
            "payment-card_last4": "0005",
        },
    )
    order = Order.objects.get()
    for partner_order in order.partner_orders.all():
        partner_order_place_task.apply(args=[partner_order.pk])  # in-process: placed, captured

    assert response.status_code == 302
    assert sorted(CardPayment.objects.values_list("last4", "status")) == [
        ("0005", "captured"),
        ("0005", "captured"),
    ]
    for secret in (AMEX, AMEX_CVC, *tokens):
        assert rows_containing(secret) == [], secret
    logged = caplog.text
    assert AMEX not in logged
    assert whole_token(AMEX_CVC).search(logged) is None
    assert not any(token in logged for token in tokens)
