import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from orders.admin import OrderAdmin
from orders.models import Order, OrderEvent
from orders.services import partner_order_transition
from orders.statuses import PartnerOrderStatus
from stores.roles import Role
from tests.factories import UserFactory
from tests.orders.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(store):
    line = OrderLineFactory(
        partner_order__order__store=store,
        partner_order__status=PartnerOrderStatus.SUBMITTED,
        product_name="Merino crew jumper",
    )
    partner_order_transition(
        partner_order_id=line.partner_order.pk, to=PartnerOrderStatus.ACCEPTED, actor="system"
    )
    return line.partner_order.order


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def test_a_superuser_reads_an_order_with_its_lines_and_events(superuser_client, order):
    page = superuser_client.get(f"/admin/orders/order/{order.pk}/change/")

    assert page.status_code == 200
    content = page.content.decode()
    assert "Merino crew jumper" in content
    assert "partner_order_status_changed" in content
    assert 'name="_save"' not in content  # read only: nothing to save
    assert superuser_client.get("/admin/orders/order/").status_code == 200


@pytest.mark.parametrize("page", ["add/", "{pk}/delete/"])
def test_nobody_adds_or_deletes_orders_in_the_admin(superuser_client, order, page):
    response = superuser_client.get(f"/admin/orders/order/{page.format(pk=order.pk)}")

    assert response.status_code == 403
    assert Order.objects.filter(pk=order.pk).exists()
    assert OrderEvent.objects.filter(order=order).count() == 2


def test_merchandisers_do_not_see_orders(merchandiser, order):
    assert merchandiser.get("/admin/orders/order/").status_code == 403


def test_a_manager_would_see_only_their_stores_orders(user_in_role, order, other_store):
    """The admin site admits merchandisers and superusers only; should it admit managers,
    the order admin already keeps each to their stores."""
    OrderFactory(store=other_store)
    request = RequestFactory().get("/admin/orders/order/")
    request.user = user_in_role(Role.MANAGER)
    order_admin = OrderAdmin(Order, site)

    assert order_admin.has_view_permission(request)
    assert list(order_admin.get_queryset(request)) == [order]
