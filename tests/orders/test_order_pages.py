"""The store's order pages: each store's staff see their own store's orders only, kiosks none;
the list filters and pages; lookup by number, e-mail or phone; the order page with its lines,
tracking, payment and timeline, never a partner's cost; the receipt; the managers' attention
list; each page in a fixed number of queries however big the order."""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from orders.events import EventType
from orders.models import CardPayment, Order, OrderEvent
from orders.services import (
    Tracking,
    order_event_append,
    order_line_transition,
    partner_order_transition,
)
from orders.statuses import LineStatus, OrderStatus, PartnerOrderStatus
from orders.views import ORDERS_PER_PAGE
from stores.roles import Role
from tests.factories import PartnerFactory
from tests.orders.pages import (
    PARTNER_COST,
    order_shipped_with_history,
    order_taken,
    partner_order_with_lines,
)

pytestmark = pytest.mark.django_db

P = PartnerOrderStatus
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def threadline(db):
    return PartnerFactory(name="Threadline Apparel", slug="threadline")


@pytest.fixture
def hearth(db):
    return PartnerFactory(name="Hearth & Home", slug="hearth")


@pytest.fixture
def associate(client, user_in_role):
    client.force_login(user_in_role(Role.ASSOCIATE))
    return client


@pytest.fixture
def manager(client, user_in_role):
    client.force_login(user_in_role(Role.MANAGER))
    return client


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def listed_numbers(html: str) -> list[str]:
    return re.findall(r'data-testid="order-([A-Z0-9-]+)"', html)


# --- Who sees what ---


def test_associates_see_only_their_store_s_orders(associate, store, other_store):
    ours = order_taken(store, customer_name="Ada Lovelace")
    theirs = order_taken(other_store, customer_name="Brendan Behan")

    html = html_of(associate.get(reverse("orders:list")))

    assert listed_numbers(html) == [ours.number]
    assert "Brendan Behan" not in html
    page = associate.get(reverse("orders:order", args=[theirs.number]))
    assert page.status_code == 404
    assert "Brendan Behan" not in page.content.decode()
    assert associate.get(reverse("orders:receipt", args=[theirs.number])).status_code == 404


def test_a_manager_acting_for_another_of_their_stores_sees_that_store_s_orders(
    client, user_in_role, store, other_store
):
    user = user_in_role(Role.MANAGER, stores=[store, other_store])
    order_taken(store, customer_name="Ada Lovelace")
    dublin = order_taken(other_store, customer_name="Brendan Behan")
    client.force_login(user)

    client.post(reverse("store-switch"), {"store": other_store.code, "next": "/orders/"})
    html = html_of(client.get(reverse("orders:list")))

    assert listed_numbers(html) == [dublin.number]
    assert "Ada Lovelace" not in html


@pytest.mark.parametrize("role", [Role.KIOSK, Role.MERCHANDISER])
@pytest.mark.parametrize("name", ["orders:list", "orders:lookup", "orders:order", "orders:receipt"])
def test_kiosks_and_merchandisers_are_refused_and_shown_no_customer(
    client, user_in_role, store, role, name
):
    order = order_taken(store, customer_name="Ada Lovelace")
    client.force_login(user_in_role(role))
    args = [order.number] if name in ("orders:order", "orders:receipt") else []

    response = client.get(reverse(name, args=args), {"q": order.number})

    assert response.status_code == 403
    assert "Ada Lovelace" not in response.content.decode()


def test_staff_pages_say_no_store_to_the_browser_cache(associate, store):
    order = order_taken(store)

    response = associate.get(reverse("orders:order", args=[order.number]))

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_the_nav_offers_orders_to_staff_not_to_kiosks(client, user_in_role):
    client.force_login(user_in_role(Role.ASSOCIATE))
    assert 'data-testid="nav-orders"' in html_of(client.get(reverse("home")))

    client.force_login(user_in_role(Role.KIOSK))
    assert 'data-testid="nav-orders"' not in html_of(client.get(reverse("home")))


# --- The list: filters and pages ---


def test_the_list_is_newest_first_and_filters_by_status(associate, store, threadline):
    now = datetime(2026, 11, 30, 12, 0, tzinfo=LONDON)
    old = order_taken(store, at=now - timedelta(days=2))
    new = order_taken(store, at=now)
    partner_order = partner_order_with_lines(new, threadline, status=P.SUBMITTED)
    partner_order_transition(partner_order_id=partner_order.pk, to=P.FAILED, actor="worker")

    assert listed_numbers(html_of(associate.get(reverse("orders:list")))) == [
        new.number,
        old.number,
    ]
    failed = html_of(associate.get(reverse("orders:list"), {"status": OrderStatus.FAILED}))
    assert listed_numbers(failed) == [new.number]


def test_the_list_filters_by_partner(associate, store, threadline, hearth):
    both = order_taken(store)
    partner_order_with_lines(both, threadline)
    partner_order_with_lines(both, hearth)
    hearth_only = order_taken(store)
    partner_order_with_lines(hearth_only, hearth, lines=2)
    partner_order_with_lines(order_taken(store), threadline)

    html = html_of(associate.get(reverse("orders:list"), {"partner": hearth.pk}))

    assert listed_numbers(html) == [hearth_only.number, both.number]  # each once
    assert f'<option value="{hearth.pk}" selected>Hearth &amp; Home</option>' in html


def test_the_date_filter_takes_whole_days_at_the_store(associate, store):
    """Days are the store's (Europe/London, UTC+0 in winter, +1 in summer): an order at
    00:30 on 1 July in London was taken on 30 June in UTC, and belongs to 1 July."""
    day_start = order_taken(store, at=datetime(2026, 7, 1, 0, 30, tzinfo=LONDON))
    day_end = order_taken(store, at=datetime(2026, 7, 2, 23, 59, tzinfo=LONDON))
    order_taken(store, at=datetime(2026, 6, 30, 23, 59, tzinfo=LONDON))
    order_taken(store, at=datetime(2026, 7, 3, 0, 0, tzinfo=LONDON))

    html = html_of(
        associate.get(reverse("orders:list"), {"date_from": "2026-07-01", "date_to": "2026-07-02"})
    )

    assert listed_numbers(html) == [day_end.number, day_start.number]


def test_dates_the_wrong_way_round_are_said_and_not_applied(associate, store):
    order = order_taken(store, at=datetime(2026, 7, 1, 12, 0, tzinfo=LONDON))

    html = html_of(
        associate.get(reverse("orders:list"), {"date_from": "2026-07-05", "date_to": "2026-07-01"})
    )

    assert "The “From” date must not be after the “To” date." in html
    assert listed_numbers(html) == [order.number]


def test_the_list_pages_keeping_its_filters(associate, store):
    start = datetime(2026, 11, 1, 9, 0, tzinfo=LONDON)
    orders = [
        order_taken(store, at=start + timedelta(minutes=n)) for n in range(ORDERS_PER_PAGE + 1)
    ]

    first = html_of(associate.get(reverse("orders:list"), {"status": "pending"}))
    second = html_of(associate.get(reverse("orders:list"), {"status": "pending", "page": 2}))

    assert listed_numbers(first) == [order.number for order in orders[:0:-1]]
    assert 'href="?status=pending&amp;page=2" rel="next"' in first
    assert listed_numbers(second) == [orders[0].number]
    assert 'href="?status=pending&amp;page=1" rel="prev"' in second
    assert "26 orders, page 2 of 2" in second


def test_an_htmx_request_gets_the_full_page_for_htmx_to_pick_from(associate, store):
    """Filters and page links swap the results in place with hx-select: the answer is the same
    page a browser without script gets, so nothing depends on htmx."""
    order = order_taken(store)

    html = html_of(associate.get(reverse("orders:list"), headers={"HX-Request": "true"}))

    assert html.startswith("<!doctype html>")
    assert 'id="order-results"' in html
    assert listed_numbers(html) == [order.number]


# --- Lookup ---


@pytest.mark.parametrize(
    "typed",
    ["ldn-01-00001", "  ADA@Example.com ", "07400 123456", "+44 7400 123456", "+447400123456"],
)
def test_one_order_found_by_number_e_mail_or_phone_opens_its_page(associate, store, typed):
    # A phone as checkout keeps it (E.164); typed nationally, it is read as the store's (GB).
    order = order_taken(store, customer_phone="+447400123456")
    assert (order.number, order.customer_email) == ("LDN-01-00001", "ada@example.com")

    response = associate.get(reverse("orders:lookup"), {"q": typed})

    assert response.status_code == 302
    assert response["Location"] == reverse("orders:order", args=[order.number])


def test_a_customer_s_orders_found_by_e_mail_are_listed(associate, store, other_store):
    first, second = order_taken(store), order_taken(store)
    order_taken(store, customer_email="someone@example.com")
    order_taken(other_store)  # the same customer at another store: not found here

    html = html_of(associate.get(reverse("orders:lookup"), {"q": "ada@example.com"}))

    assert "2 orders found" in html
    assert re.findall(r'href="/orders/([A-Z0-9-]+)/"', html) == [second.number, first.number]


def test_an_order_of_another_store_is_not_found(associate, store, other_store):
    theirs = order_taken(other_store, customer_email="brendan@example.ie")

    html = html_of(associate.get(reverse("orders:lookup"), {"q": theirs.number}))

    assert f"No order at {store.name} has this number, e-mail or phone" in html
    assert theirs.number not in html.split('data-testid="lookup-results"')[1]


# --- The order page ---


def test_the_order_page_shows_lines_by_partner_with_references_and_tracking(
    associate, store, threadline
):
    order = order_shipped_with_history(store, threadline, lines=2)
    partner_order = order.partner_orders.get()
    first, second = partner_order.lines.all()

    html = html_of(associate.get(reverse("orders:order", args=[order.number])))

    assert 'data-testid="order-status">Shipped<' in html
    assert f'<h2 id="partner-order-{partner_order.pk}-heading">Threadline Apparel</h2>' in html
    assert 'data-testid="partner-reference">TL-778812<' in html
    assert partner_order.reference in html
    for line, number in ((first, "PW0001"), (second, "PW0002")):
        assert (
            f'<a href="https://track.parcelway.example/{number}" rel="noopener noreferrer" '
            f'target="_blank">{number}</a>'
        ) in html
        assert line.product_name in html
    assert "Ada Lovelace" in html
    assert "+447700900123" in html
    assert "2 Park Lane" in html
    assert 'data-testid="payment-reference">TILL-1001<' in html
    assert 'data-testid="order-total">£20.00<' in html


def test_a_card_order_shows_each_partner_order_s_card_payment(associate, store, threadline):
    order = order_taken(store, payment_method=Order.PaymentMethod.CARD, payment_reference="")
    partner_order = partner_order_with_lines(order, threadline, status=P.ACCEPTED)
    CardPayment.objects.create(
        partner_order=partner_order,
        authorisation_id="auth_1",
        brand="visa",
        last4="4242",
        currency="GBP",
        amount_authorised=Decimal("20.00"),
        amount_captured=Decimal("20.00"),
        status=CardPayment.Status.CAPTURED,
    )

    html = html_of(associate.get(reverse("orders:order", args=[order.number])))

    assert (
        f'data-testid="card-payment-{partner_order.reference}">Visa ending 4242: captured, '
        "£20.00 taken<"
    ) in html
    assert 'data-testid="payment-reference"' not in html


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "data:text/html,hi", "ftp://files.example/PW1", "//evil.example/x"],
)
def test_a_tracking_url_that_is_not_http_is_shown_as_text_never_as_a_link(
    associate, store, threadline, url
):
    order = order_taken(store)
    partner_order = partner_order_with_lines(order, threadline, status=P.ACCEPTED)
    line = partner_order.lines.get()
    order_line_transition(
        line_id=line.pk,
        to=LineStatus.SHIPPED,
        actor="partner:threadline",
        tracking=Tracking(carrier="Parcelway", number="PW9", url=url),
    )

    html = html_of(associate.get(reverse("orders:order", args=[order.number])))

    tracking = html.split(f'data-testid="line-{line.pk}"')[1].split("</tr>")[0]
    assert "PW9" in tracking
    assert "<a " not in tracking
    assert url not in html.replace("&amp;", "&")


@pytest.mark.parametrize("role", [Role.ASSOCIATE, Role.MANAGER])
def test_no_partner_cost_on_any_order_page(client, user_in_role, store, threadline, role):
    order = order_shipped_with_history(store, threadline)
    partner_order_with_lines(order, threadline, status=P.SUBMITTED)
    partner_order_transition(
        partner_order_id=order.partner_orders.last().pk, to=P.FAILED, actor="worker"
    )
    client.force_login(user_in_role(role))

    pages = [
        reverse("orders:list"),
        reverse("orders:order", args=[order.number]),
        reverse("orders:order", args=[order.number]) + "?timeline=oldest",
        reverse("orders:receipt", args=[order.number]),
        reverse("orders:lookup") + "?q=ada@example.com",
    ]
    if role == Role.MANAGER:
        pages.append(reverse("orders:attention"))
    for url in pages:
        html = html_of(client.get(url, follow=True))
        assert "20.00" in html
        assert not re.search(rf"(?<![\d.]){re.escape(str(PARTNER_COST))}(?!\d)", html), url
        assert "unit_cost" not in html


def test_the_timeline_tells_each_event_in_words_newest_first(associate, store, threadline):
    order = order_shipped_with_history(store, threadline, lines=1)
    line = order.partner_orders.get().lines.get()
    OrderEvent.objects.create(order=order, type="parcel_received_at_store", actor="kim")

    html = html_of(associate.get(reverse("orders:order", args=[order.number])))

    headlines = re.findall(r'<p class="timeline-headline"><strong>([^<]+)</strong>', html)
    assert headlines == [
        "Parcel received at store",  # a type the page does not know: general words
        "Order status: shipped",
        f"Item {line.partner_sku} shipped",
        "Order status: accepted",
        "Accepted by the partner",
        "Placing attempt 2",
        "Placing attempt 1",
        "Order status: sent to partners",
        "Sent to the partner",
    ]
    attempts = html.split('data-type="partner_order_attempted"')[1:]
    assert "<dt>Attempt</dt><dd>2</dd>" in attempts[0]
    assert "<dt>Outcome</dt><dd>accepted</dd>" in attempts[0]
    assert "<dt>Took (ms)</dt><dd>140</dd>" in attempts[0]
    assert "<dt>Outcome</dt><dd>timeout</dd>" in attempts[1]
    assert "<dt>Partner may have received it</dt><dd>yes</dd>" in attempts[1]


def test_the_timeline_reads_oldest_first_on_request(associate, store, threadline):
    order = order_shipped_with_history(store, threadline, lines=1)

    html = html_of(
        associate.get(reverse("orders:order", args=[order.number]), {"timeline": "oldest"})
    )

    headlines = re.findall(r'<p class="timeline-headline"><strong>([^<]+)</strong>', html)
    assert headlines[:2] == ["Sent to the partner", "Order status: sent to partners"]
    assert headlines[-1] == "Order status: shipped"
    assert 'href="?#timeline">Show newest first' in html


@pytest.mark.parametrize("size", [1, 4])
def test_the_order_page_takes_the_same_queries_however_big_the_order(
    associate, store, threadline, hearth, size, django_assert_max_num_queries
):
    """Seven make the page's shell (session, user, memberships, groups, permissions twice,
    the cart badge); then the order, its partner orders, their lines and its events: four,
    whatever their numbers (the receipt needs no events)."""
    order = order_shipped_with_history(store, threadline, lines=size)
    for _ in range(size - 1):
        partner_order_with_lines(order, hearth, lines=size)
    associate.get(reverse("orders:order", args=[order.number]))  # the session settles

    with django_assert_max_num_queries(11):
        html_of(associate.get(reverse("orders:order", args=[order.number])))
    with django_assert_max_num_queries(10):
        html_of(associate.get(reverse("orders:receipt", args=[order.number])))


@pytest.mark.parametrize("orders", [1, ORDERS_PER_PAGE + 3])
def test_the_list_takes_the_same_queries_however_many_orders(
    associate, store, threadline, hearth, orders, django_assert_max_num_queries
):
    for _ in range(orders):
        order = order_taken(store)
        partner_order_with_lines(order, threadline)
        partner_order_with_lines(order, hearth, lines=2)
    associate.get(reverse("orders:list"))

    with django_assert_max_num_queries(11):
        html_of(associate.get(reverse("orders:list"), {"partner": hearth.pk}))


# --- The receipt ---


def test_the_receipt_has_the_number_lines_totals_and_payment_for_printing(
    associate, store, threadline
):
    order = order_shipped_with_history(store, threadline, lines=2)
    first, second = order.partner_orders.get().lines.all()

    html = html_of(associate.get(reverse("orders:receipt", args=[order.number])))

    assert (
        f'<span class="receipt-number" data-testid="receipt-number">{order.number}</span>' in html
    )
    for line in (first, second):
        assert f"{line.product_name}, M, Navy" in html
    assert html.count("Shipped by Threadline Apparel") == 2
    assert 'data-testid="order-total">£20.00<' in html
    assert "At the store&#x27;s till" in html
    assert 'data-testid="payment-reference">TILL-1001<' in html
    assert "css/orders.css" in html  # its @media print rules hide the header and links


# --- Attention ---


def test_managers_see_what_needs_attention_at_their_store(
    manager, store, other_store, threadline, hearth
):
    failed = partner_order_with_lines(order_taken(store), threadline, status=P.SUBMITTED)
    partner_order_transition(partner_order_id=failed.pk, to=P.FAILED, actor="worker")
    review = partner_order_with_lines(order_taken(store), hearth, status=P.SUBMITTED)
    partner_order_transition(partner_order_id=review.pk, to=P.NEEDS_REVIEW, actor="worker")
    partly = partner_order_with_lines(order_taken(store), threadline, lines=2, status=P.SUBMITTED)
    rejected_line = partly.lines.first()
    order_line_transition(
        line_id=rejected_line.pk, to=LineStatus.REJECTED, actor="partner", reason="Out of stock"
    )
    # Paid at the till: the pipeline says a refund is due there (test_manager_actions has the rest).
    order_event_append(
        partly.order, EventType.TILL_REFUND_DUE, "worker", {"amount": "20.00"}, partner_order=partly
    )
    partner_order_with_lines(order_taken(store), threadline, status=P.ACCEPTED)
    elsewhere = partner_order_with_lines(order_taken(other_store), threadline, status=P.SUBMITTED)
    partner_order_transition(partner_order_id=elsewhere.pk, to=P.FAILED, actor="worker")

    html = html_of(manager.get(reverse("orders:attention")))

    assert re.findall(r'data-testid="attention-([A-Z0-9-]+)"', html) == [
        failed.reference,
        review.reference,
        partly.reference,
    ]
    assert (
        f'data-testid="attention-line-{rejected_line.pk}">'
        '<span class="badge badge-danger">Rejected</span> '
        f"1 x {rejected_line.product_name} (£20.00): Out of stock"
    ) in html
    assert html.count('badge-danger">Rejected<') == 1
    assert "Needs review" in html and "Failed" in html


def test_associates_do_not_get_the_attention_list(associate, store, threadline):
    failed = partner_order_with_lines(order_taken(store), threadline, status=P.SUBMITTED)
    partner_order_transition(partner_order_id=failed.pk, to=P.FAILED, actor="worker")

    response = associate.get(reverse("orders:attention"))

    assert response.status_code == 403
    assert failed.reference not in response.content.decode()


def test_nothing_to_attend_to_is_said(manager, store):
    assert 'data-testid="attention-empty">Nothing needs attention.' in html_of(
        manager.get(reverse("orders:attention"))
    )


def test_a_lookup_too_long_is_refused_with_a_reason_and_searches_nothing(
    associate, store, django_assert_max_num_queries
):
    order_taken(store)
    associate.get(reverse("orders:lookup"))

    with django_assert_max_num_queries(7):  # the page's shell only: no order is read
        html = html_of(associate.get(reverse("orders:lookup"), {"q": "a" * 255}))

    assert "Ensure this value has at most 254 characters (it has 255)." in html
    assert 'data-testid="lookup-results"' not in html
