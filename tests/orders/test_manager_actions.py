"""The managers' attention list says what is wrong with each partner order and offers the
action that mends it; each action is a POST by a manager of the order's store, idempotent."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.events import EventType
from orders.models import CardPayment, Order, OrderEvent, OutboxMessage, PartnerOrder
from orders.services import order_event_append, order_line_transition, partner_order_transition
from orders.statuses import LineStatus, PartnerOrderStatus
from orders.till_services import partner_order_till_refund_record
from stores.roles import Role
from tests.factories import PartnerFactory
from tests.orders.pages import order_taken, partner_order_with_lines
from tests.orders.sandbox_orders import sandbox_order_placed

pytestmark = pytest.mark.django_db

P = PartnerOrderStatus


@pytest.fixture
def threadline(db):
    return PartnerFactory(name="Threadline Apparel", slug="threadline")


@pytest.fixture
def manager(client, user_in_role):
    client.force_login(user_in_role(Role.MANAGER, username="mina"))
    return client


def in_status(store, partner, status: str, **fields) -> PartnerOrder:
    partner_order = partner_order_with_lines(order_taken(store), partner, status=P.SUBMITTED)
    if status != P.SUBMITTED:
        partner_order_transition(partner_order_id=partner_order.pk, to=status, actor="worker")
    if fields:
        PartnerOrder.objects.filter(pk=partner_order.pk).update(**fields)
    partner_order.refresh_from_db()
    return partner_order


def event(partner_order: PartnerOrder, event_type: EventType, **data) -> None:
    order_event_append(partner_order.order, event_type, "system", data, partner_order=partner_order)


def card_hold(partner_order: PartnerOrder, expires_in: timedelta) -> CardPayment:
    return CardPayment.objects.create(
        partner_order=partner_order,
        authorisation_id=f"auth_{partner_order.pk}",
        brand="visa",
        last4="4242",
        currency="GBP",
        amount_authorised=Decimal("20.00"),
        expires_at=timezone.now() + expires_in,
    )


def attention_html(manager) -> str:
    response = manager.get(reverse("orders:attention"))
    assert response.status_code == 200
    return response.content.decode()


def listed(html: str) -> list[str]:
    return re.findall(r'data-testid="attention-([A-Z0-9-]+)"', html)


def reasons_of(html: str, partner_order: PartnerOrder) -> str:
    return html.split(f'data-testid="reasons-{partner_order.reference}"')[1].split("</ul>")[0]


def action_urls(html: str, partner_order: PartnerOrder) -> list[str]:
    block = html.split(f'data-testid="actions-{partner_order.reference}"')[1].split("</section>")[0]
    return re.findall(r'<form method="post" action="([^"]+)"', block)


def test_each_problem_is_listed_with_its_reason_and_its_action(manager, store, threadline):
    failed = in_status(store, threadline, P.FAILED)
    review = in_status(store, threadline, P.NEEDS_REVIEW)
    dead = in_status(store, threadline, P.SUBMITTED)
    event(dead, EventType.PARTNER_ORDER_DEAD_LETTERED, message_id="m-1")
    refund_due = in_status(store, threadline, P.ACCEPTED, partner_reference="TL-9")
    event(refund_due, EventType.TILL_REFUND_DUE, amount="20.00", currency="GBP")
    lapsing = in_status(store, threadline, P.SUBMITTED)
    card_hold(lapsing, timedelta(hours=3))
    unsettled = in_status(store, threadline, P.REJECTED)
    card_hold(unsettled, timedelta(days=5))

    html = attention_html(manager)

    assert listed(html) == [
        failed.reference,
        review.reference,
        dead.reference,
        refund_due.reference,
        lapsing.reference,
        unsettled.reference,
    ]
    assert "failed after every attempt" in reasons_of(html, failed)
    assert action_urls(html, failed) == [reverse("orders:partner_order_retry", args=[failed.pk])]
    assert "may or may not have reached the partner" in reasons_of(html, review)
    assert action_urls(html, review) == [reverse("orders:partner_order_review", args=[review.pk])]
    assert "kept failing and was set aside" in reasons_of(html, dead)
    assert action_urls(html, dead) == [reverse("orders:partner_order_redrive", args=[dead.pk])]
    assert "refund them at the till" in reasons_of(html, refund_due)
    assert action_urls(html, refund_due) == [
        reverse("orders:partner_order_till_refund", args=[refund_due.pk]),
        reverse("orders:partner_order_cancel", args=[refund_due.pk]),
    ]
    assert "card authorisation lapses on" in reasons_of(html, lapsing)
    assert "not taken, released or refunded" in reasons_of(html, unsettled)
    assert action_urls(html, unsettled) == [
        reverse("orders:partner_order_settle", args=[unsettled.pk])
    ]


def test_what_was_dealt_with_or_is_fine_is_not_listed(manager, store, other_store, threadline):
    in_status(store, threadline, P.ACCEPTED, partner_reference="TL-1")
    redriven = in_status(store, threadline, P.SUBMITTED)
    event(redriven, EventType.PARTNER_ORDER_DEAD_LETTERED, message_id="m-1")
    event(redriven, EventType.PARTNER_ORDER_REDRIVEN)
    refunded = in_status(store, threadline, P.ACCEPTED, partner_reference="TL-2")
    event(refunded, EventType.TILL_REFUND_DUE, amount="20.00", currency="GBP")
    event(refunded, EventType.TILL_REFUNDED, till_reference="R-1")
    card_hold(in_status(store, threadline, P.SUBMITTED), timedelta(days=5))
    in_status(other_store, threadline, P.FAILED)

    assert listed(attention_html(manager)) == []


def test_a_retry_sends_a_failed_partner_order_again_once(
    manager, store, threadline, django_capture_on_commit_callbacks
):
    failed = in_status(store, threadline, P.FAILED)
    message = OutboxMessage.objects.create(
        partner_order=failed, queue="create-order-queue", payload={"partner_order_id": failed.pk}
    )
    url = reverse("orders:partner_order_retry", args=[failed.pk])

    with django_capture_on_commit_callbacks(execute=True):
        first = manager.post(url, {"next": reverse("orders:order", args=[failed.order.number])})
        second = manager.post(url)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == reverse("orders:order", args=[failed.order.number])
    assert second["Location"] == reverse("orders:attention")
    failed.refresh_from_db()
    assert failed.status == P.PENDING
    message.refresh_from_db()
    assert message.published_at is not None
    moves = OrderEvent.objects.filter(
        partner_order=failed, type=EventType.PARTNER_ORDER_STATUS_CHANGED, data__to=P.PENDING
    )
    assert [event.actor for event in moves] == ["mina"]


def test_a_review_is_settled_with_the_partner_s_reference(manager, store, threadline):
    review = in_status(store, threadline, P.NEEDS_REVIEW)

    response = manager.post(
        reverse("orders:partner_order_review", args=[review.pk]),
        {"resolution": "placed", "partner_reference": "  TL-4411 "},
        follow=True,
    )

    review.refresh_from_db()
    assert (review.status, review.partner_reference) == (P.ACCEPTED, "TL-4411")
    assert f"{review.reference} is marked as placed with Threadline Apparel." in [
        str(message) for message in response.context["messages"]
    ]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"resolution": "placed", "partner_reference": ""}, "Give the partner's reference"),
        ({"resolution": "placed", "partner_reference": "X" * 121}, "at most 120 characters"),
    ],
)
def test_a_review_without_a_usable_reference_changes_nothing(
    manager, store, threadline, fields, problem
):
    review = in_status(store, threadline, P.NEEDS_REVIEW)
    events_before = OrderEvent.objects.count()

    response = manager.post(
        reverse("orders:partner_order_review", args=[review.pk]), fields, follow=True
    )

    shown = [str(message) for message in response.context["messages"]]
    assert len(shown) == 1 and problem in shown[0]
    review.refresh_from_db()
    assert (review.status, review.partner_reference) == (P.NEEDS_REVIEW, "")
    assert OrderEvent.objects.count() == events_before


def test_a_till_refund_is_recorded_once(manager, store, threadline):
    partner_order = in_status(store, threadline, P.ACCEPTED, partner_reference="TL-5")
    event(partner_order, EventType.TILL_REFUND_DUE, amount="20.00", currency="GBP")
    event(partner_order, EventType.TILL_REFUND_DUE, amount="5.50", currency="GBP")
    url = reverse("orders:partner_order_till_refund", args=[partner_order.pk])

    manager.post(url, {"till_reference": " R-77 "})
    again = manager.post(url, {"till_reference": "R-78"}, follow=True)

    refunds = OrderEvent.objects.filter(partner_order=partner_order, type=EventType.TILL_REFUNDED)
    assert [(e.actor, e.data) for e in refunds] == [
        ("mina", {"till_reference": "R-77", "amount": "25.50", "currency": "GBP"})
    ]
    assert f"No till refund is due on {partner_order.reference}." in [
        str(message) for message in again.context["messages"]
    ]


def rejected_by_partner(partner_order: PartnerOrder, line) -> None:
    order_line_transition(
        line_id=line.pk, to=LineStatus.REJECTED, actor="partner:threadline", reason="Out of stock"
    )


def test_rejected_items_are_listed_until_a_manager_has_told_the_customer(
    manager, store, threadline
):
    order = order_taken(store, payment_method=Order.PaymentMethod.CARD)
    partner_order = partner_order_with_lines(
        order, threadline, lines=2, status=P.ACCEPTED, partner_reference="TL-6"
    )
    first, second = partner_order.lines.order_by("pk")
    rejected_by_partner(partner_order, first)
    url = reverse("orders:partner_order_customer_told", args=[partner_order.pk])

    html = attention_html(manager)
    manager.post(url)
    again = manager.post(url, follow=True)
    after = attention_html(manager)
    rejected_by_partner(partner_order, second)  # a later report rejects the other item

    assert listed(html) == [partner_order.reference]
    assert "The partner rejected items: tell the customer" in reasons_of(html, partner_order)
    assert action_urls(html, partner_order) == [
        url,
        reverse("orders:partner_order_cancel", args=[partner_order.pk]),
    ]
    told = OrderEvent.objects.filter(partner_order=partner_order, type=EventType.REJECTION_HANDLED)
    assert [(event.actor, event.data) for event in told] == [("mina", {"lines": [first.pk]})]
    assert f"Nothing new was rejected on {partner_order.reference}." in [
        str(message) for message in again.context["messages"]
    ]
    assert listed(after) == []
    assert listed(attention_html(manager)) == [partner_order.reference]


def test_a_till_refund_tells_the_customer_of_the_rejected_items_too(manager, store, threadline):
    partner_order = partner_order_with_lines(
        order_taken(store), threadline, status=P.ACCEPTED, partner_reference="TL-7"
    )
    rejected_by_partner(partner_order, partner_order.lines.get())
    event(partner_order, EventType.TILL_REFUND_DUE, amount="20.00", currency="GBP")

    html = attention_html(manager)
    partner_order_till_refund_record(
        partner_order_id=partner_order.pk, actor="system", till_reference="R-9"
    )

    assert "refund them at the till" in reasons_of(html, partner_order)
    assert "tell the customer" not in reasons_of(html, partner_order)
    assert listed(attention_html(manager)) == []


def test_only_managers_of_the_order_s_store_may_act(
    client, user_in_role, manager, store, other_store, threadline
):
    ours = in_status(store, threadline, P.FAILED)
    theirs = in_status(other_store, threadline, P.FAILED)

    elsewhere = manager.post(reverse("orders:partner_order_retry", args=[theirs.pk]))
    by_get = manager.get(reverse("orders:partner_order_retry", args=[ours.pk]))
    client.force_login(user_in_role(Role.ASSOCIATE, username="asha"))
    by_associate = client.post(reverse("orders:partner_order_retry", args=[ours.pk]))

    assert (elsewhere.status_code, by_get.status_code, by_associate.status_code) == (
        404,
        405,
        403,
    )
    assert PartnerOrder.objects.filter(status=P.FAILED).count() == 2
    assert (
        not OrderEvent.objects.filter(type=EventType.PARTNER_ORDER_STATUS_CHANGED)
        .exclude(actor="worker")
        .exists()
    )


def test_the_order_page_tells_a_manager_what_the_attention_list_says_and_offers_its_actions(
    manager, store, threadline
):
    failed = in_status(store, threadline, P.FAILED)
    fine = partner_order_with_lines(failed.order, threadline, status=P.SUBMITTED)
    dead = in_status(store, threadline, P.SUBMITTED)
    event(dead, EventType.PARTNER_ORDER_DEAD_LETTERED, message_id="m-1")

    failed_page = manager.get(reverse("orders:order", args=[failed.order.number]))
    dead_page = manager.get(reverse("orders:order", args=[dead.order.number]))

    html = failed_page.content.decode()
    assert "failed after every attempt" in reasons_of(html, failed)
    assert action_urls(html, failed) == [reverse("orders:partner_order_retry", args=[failed.pk])]
    assert f'data-testid="reasons-{fine.reference}"' not in html
    assert f'data-testid="actions-{fine.reference}"' not in html
    html = dead_page.content.decode()
    assert "kept failing and was set aside" in reasons_of(html, dead)
    assert action_urls(html, dead) == [reverse("orders:partner_order_redrive", args=[dead.pk])]


def test_an_associate_sees_no_manager_actions_on_the_order_page(
    client, user_in_role, store, threadline
):
    failed = in_status(store, threadline, P.FAILED)
    client.force_login(user_in_role(Role.ASSOCIATE, username="asha"))

    html = client.get(reverse("orders:order", args=[failed.order.number])).content.decode()

    assert failed.reference in html
    assert f'data-testid="reasons-{failed.reference}"' not in html
    assert f'data-testid="actions-{failed.reference}"' not in html
    assert reverse("orders:partner_order_retry", args=[failed.pk]) not in html


def test_a_redirect_back_never_leaves_the_site(manager, store, threadline):
    failed = in_status(store, threadline, P.FAILED)

    response = manager.post(
        reverse("orders:partner_order_retry", args=[failed.pk]),
        {"next": "https://attacker.example/phish"},
    )

    assert response["Location"] == reverse("orders:attention")


# Committed rows: after a cancel the card payment is settled, and a gateway call refuses to run
# inside a transaction (the test's, otherwise).
@pytest.mark.django_db(transaction=True)
def test_a_manager_cancels_from_the_order_page(manager, live_partners, sandbox, store):
    partner_order = sandbox_order_placed(
        live_partners("threadline")["threadline"], sandbox.threadline
    )
    Order.objects.filter(pk=partner_order.order_id).update(store=store)
    page = reverse("orders:order", args=[partner_order.order.number])
    cancel = reverse("orders:partner_order_cancel", args=[partner_order.pk])
    assert f'action="{cancel}"' in manager.get(page).content.decode()

    response = manager.post(cancel, {"next": page}, follow=True)

    partner_order.refresh_from_db()
    assert partner_order.status == P.CANCELLED
    assert f"{partner_order.reference} is cancelled." in [
        str(message) for message in response.context["messages"]
    ]
    assert f'action="{cancel}"' not in response.content.decode()
