"""The kiosk's "call an associate": a request the store's associates see on their Scan page
and mark handled; bounded, scoped to the store, and never a way to carts or orders."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.assistance_services import OPEN_REQUESTS_MAX
from catalog.models import AssistanceRequest
from stores.roles import Role
from tests.catalog.conftest import gtin_carried_by, partner_calls

GTIN = "04006381333931"


def call(client, **data):
    return client.post(reverse("catalog:assistance-request"), data, follow=True)


@pytest.mark.django_db
def test_a_kiosk_calls_an_associate_about_an_item_once(client, user_in_role, store):
    client.force_login(user_in_role(Role.KIOSK))

    first = call(client, gtin14=GTIN)
    call(client, gtin14="4006381333931")  # pressed again, spelt as on the label

    assert first.redirect_chain == [(reverse("catalog:product", args=[GTIN]), 302)]
    assert "An associate is on the way. Please wait here." in first.content.decode()
    assert list(AssistanceRequest.objects.values_list("store", "gtin14", "query")) == [
        (store.pk, GTIN, "")
    ]


@pytest.mark.django_db
def test_a_kiosk_calls_an_associate_about_a_search(client, user_in_role, store):
    client.force_login(user_in_role(Role.KIOSK))

    response = call(client, q="  merino   jumper ")

    assert response.redirect_chain == [(reverse("catalog:search") + "?q=merino+jumper", 302)]
    assert AssistanceRequest.objects.get().query == "merino jumper"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"gtin14": "4006381333932"}, "check digit"),
        ({"q": "x" * 101}, "A search has at most 100 characters."),
        ({}, "Ask about one item or one search."),
        ({"gtin14": GTIN, "q": "jumper"}, "Ask about one item or one search."),
    ],
)
def test_a_bad_request_for_help_is_refused_with_a_message(client, user_in_role, data, message):
    client.force_login(user_in_role(Role.KIOSK))

    response = call(client, **data)

    assert response.redirect_chain == [(reverse("catalog:search"), 302)]
    assert message in response.content.decode()
    assert not AssistanceRequest.objects.exists()


@pytest.mark.django_db
def test_open_requests_are_bounded_per_store(client, user_in_role, store):
    client.force_login(user_in_role(Role.KIOSK))
    for number in range(OPEN_REQUESTS_MAX):
        call(client, q=f"item {number}")

    response = call(client, q="one more")

    assert "please ask at the counter" in response.content.decode()
    assert AssistanceRequest.objects.count() == OPEN_REQUESTS_MAX
    assert not AssistanceRequest.objects.filter(query="one more").exists()


def aged(request: AssistanceRequest, minutes: float) -> None:
    AssistanceRequest.objects.filter(pk=request.pk).update(
        at=timezone.now() - timedelta(minutes=minutes)
    )


@pytest.mark.django_db
def test_requests_left_unhandled_lapse_and_free_their_places(client, user_in_role, store, settings):
    settings.CATALOG_ASSISTANCE_REQUEST_MINUTES = 30
    kiosk, associate = user_in_role(Role.KIOSK), user_in_role(Role.ASSOCIATE)
    client.force_login(kiosk)
    for number in range(OPEN_REQUESTS_MAX):
        call(client, q=f"item {number}")
    forgotten = AssistanceRequest.objects.filter(query__in=["item 0", "item 1"])
    for request in forgotten:
        aged(request, 29)
    assert "please ask at the counter" in call(client, q="one more").content.decode()

    for request in forgotten:
        aged(request, 31)
    one_more = call(client, q="one more")
    again = call(client, q="item 0")  # its customer, or another, asks about it again

    assert "An associate is on the way" in one_more.content.decode()
    assert "An associate is on the way" in again.content.decode()
    # The lapsed request is kept, unhandled, beside the new one about the same search.
    assert list(
        AssistanceRequest.objects.filter(query="item 0").values_list("handled_at", flat=True)
    ) == [None, None]
    client.force_login(associate)
    scan = client.get(reverse("catalog:scan")).content.decode()
    assert scan.count(">Handled</button>") == OPEN_REQUESTS_MAX
    assert "“item 1”" not in scan
    assert "“one more”" in scan


@pytest.mark.django_db
def test_associates_see_open_requests_on_the_scan_page_and_mark_them_handled(
    client, user_in_role, store
):
    kiosk, associate = user_in_role(Role.KIOSK), user_in_role(Role.ASSOCIATE)
    client.force_login(kiosk)
    call(client, gtin14=GTIN)
    request = AssistanceRequest.objects.get()
    client.force_login(associate)

    scan = client.get(reverse("catalog:scan")).content.decode()
    assert 'data-testid="assistance-requests"' in scan
    assert f'href="{reverse("catalog:product", args=[GTIN])}">item {GTIN}</a>' in scan

    client.post(reverse("catalog:assistance-handled", args=[request.pk]))

    request.refresh_from_db()
    assert (request.handled, request.handled_by) == (True, associate)
    assert (
        'data-testid="assistance-requests"'
        not in client.get(reverse("catalog:scan")).content.decode()
    )


@pytest.mark.django_db
def test_another_store_s_associate_cannot_handle_a_request(
    client, user_in_role, store, other_store
):
    client.force_login(user_in_role(Role.KIOSK))
    call(client, gtin14=GTIN)
    request = AssistanceRequest.objects.get()
    client.force_login(user_in_role(Role.ASSOCIATE, stores=[other_store]))

    assert (
        'data-testid="assistance-requests"'
        not in client.get(reverse("catalog:scan")).content.decode()
    )
    response = client.post(reverse("catalog:assistance-handled", args=[request.pk]))

    assert response.status_code == 404
    request.refresh_from_db()
    assert (request.handled_at, request.handled_by) == (None, None)


@pytest.mark.django_db
def test_a_kiosk_cannot_mark_a_request_handled(client, user_in_role, store):
    client.force_login(user_in_role(Role.KIOSK))
    call(client, gtin14=GTIN)
    request = AssistanceRequest.objects.get()

    response = client.post(reverse("catalog:assistance-handled", args=[request.pk]))

    assert response.status_code == 403
    request.refresh_from_db()
    assert request.handled_at is None


CART_OR_ORDER = re.compile(r"""(?:href|action|hx-get|hx-post)="[^"]*(?:cart|order)""", re.I)


@partner_calls
def test_kiosk_pages_offer_help_and_never_a_cart_or_an_order(client, user_in_role, priced, sandbox):
    """Every page a kiosk reaches: links and forms lead nowhere near carts or orders."""
    client.force_login(user_in_role(Role.KIOSK))
    gtin = gtin_carried_by(sandbox, "threadline").zfill(14)
    pages = {
        "home": client.get(reverse("home")),
        "search": client.get(reverse("catalog:search"), {"q": "jumper"}),
        "product": client.get(reverse("catalog:product", args=[gtin])),
        "similar": client.get(reverse("catalog:similar", args=[gtin])),
    }

    for name, response in pages.items():
        html = response.content.decode()
        assert response.status_code == 200, name
        assert CART_OR_ORDER.findall(html) == [], name
        assert "Add to cart" not in html, name
    assert 'data-testid="call-associate"' in pages["product"].content.decode()
    assert 'data-testid="call-associate"' in pages["search"].content.decode()
    assert 'data-testid="search-form"' in pages["home"].content.decode()


@partner_calls
def test_associates_are_not_offered_to_call_themselves(client, user_in_role, priced, sandbox):
    client.force_login(user_in_role(Role.ASSOCIATE))
    gtin = gtin_carried_by(sandbox, "threadline").zfill(14)

    product = client.get(reverse("catalog:product", args=[gtin])).content.decode()

    assert 'data-testid="offers"' in product
    assert 'data-testid="call-associate"' not in product
