"""Retiring: no new lookups or orders, while orders already placed keep syncing and can be
cancelled or sent again; configuration and call log kept. Paused behaves the same. Deleting:
only a partner never called, with its operations, by a merchandiser as by a superuser."""

from html import unescape

import pytest
from django.core.exceptions import ValidationError

from partners.adapters.base import PartnerNotAcceptingWork
from partners.adapters.registry import adapter_for
from partners.http import PartnerAuthFailed
from partners.models import OperationConfig, Partner, PartnerCall, PartnerCredentials
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import sandbox_config
from partners.selectors import partner_accepts_new_work
from partners.services import partner_config_import, partner_credentials_set, partner_status_change
from tests.factories import UserFactory
from tests.partners.admin_pages import url
from tests.partners.sandbox.picks import in_stock
from tests.partners.test_declarative_adapter import order_for

pytestmark = pytest.mark.django_db

STOPPED = [Partner.Status.RETIRED, Partner.Status.PAUSED]


def stop(partner: Partner, status: Partner.Status) -> Partner:
    return partner_status_change(partner=partner, status=status)


def call_rows(partner: Partner) -> list[str]:
    return list(
        PartnerCall.objects.filter(partner=partner)
        .order_by("pk")
        .values_list("operation", flat=True)
    )


# --- What a stopped partner still does ---


@pytest.mark.parametrize("status", STOPPED)
def test_a_stopped_partner_gets_no_new_reads_or_orders_and_nothing_is_sent(
    onboarded, sandbox, status
):
    # Given a live partner that is then paused or retired
    partner = stop(onboarded["threadline"], status)
    _, item = in_stock(sandbox.threadline)
    adapter = adapter_for(partner)
    calls_before = call_rows(partner)

    # When the runtime asks it for new work, each is refused with the reason
    attempts = {
        "lookup": lambda: adapter.lookup(item.variant.gtin),
        "search": lambda: adapter.search("linen"),
        "similar": lambda: adapter.similar("TL-1"),
        "place_order": lambda: adapter.place_order(order_for(item.sku, gtin=item.variant.gtin)),
    }
    refused = {}
    for name, attempt in attempts.items():
        with pytest.raises(PartnerNotAcceptingWork) as caught:
            attempt()
        refused[name] = (caught.value.delivery, caught.value.transient)

    # Then nothing reached the partner and nothing was logged
    assert partner_accepts_new_work(partner) is False
    assert set(refused.values()) == {(PartnerCall.Delivery.NOT_SENT, False)}
    assert str(caught.value) == (
        f"Threadline is {status.label.lower()}: it takes no new place order requests. Orders "
        "already placed can still be checked, cancelled or sent again."
    )
    assert call_rows(partner) == calls_before
    assert sandbox.threadline.counters().orders_created == 0


@pytest.mark.parametrize("status", STOPPED)
def test_orders_placed_before_keep_syncing_and_can_be_resent_and_cancelled(
    onboarded, sandbox, status
):
    # Given an order placed while the partner was live
    _, item = in_stock(sandbox.threadline)
    order = order_for(item.sku, gtin=item.variant.gtin)
    placed = adapter_for(onboarded["threadline"]).place_order(order)
    adapter = adapter_for(stop(onboarded["threadline"], status))

    # When its status is read, it is sent again, and it is cancelled
    synced = adapter.order_status(placed.partner_order_id)
    resent = adapter.place_order(order, resend=True)
    cancelled = adapter.cancel_order(placed.partner_order_id)

    # Then each reached the partner, which still knows one order
    assert synced.status == "accepted"
    assert (resent.partner_order_id, resent.duplicate) == (placed.partner_order_id, True)
    assert cancelled.status == "cancelled"
    assert sandbox.threadline.counters().orders_created == 1


def test_retiring_keeps_the_configuration_and_the_call_log(onboarded, sandbox):
    partner = onboarded["threadline"]
    _, item = in_stock(sandbox.threadline)
    adapter_for(partner).lookup(item.variant.gtin)
    operations = sorted(partner.operations.values_list("operation", flat=True))

    retired = stop(partner, Partner.Status.RETIRED)

    assert retired.status == Partner.Status.RETIRED
    assert sorted(retired.operations.values_list("operation", flat=True)) == operations
    assert call_rows(retired) == ["lookup"]
    assert PartnerCredentials.objects.filter(partner=retired).exclude(encrypted="").exists()


def test_a_retired_partner_comes_back_only_through_testing(onboarded):
    retired = stop(onboarded["threadline"], Partner.Status.RETIRED)

    with pytest.raises(ValidationError, match=r"A retired partner cannot move to live\."):
        stop(retired, Partner.Status.LIVE)
    back = stop(retired, Partner.Status.TESTING)

    assert back.status == Partner.Status.TESTING
    assert partner_accepts_new_work(back) is True


# --- The admin ---


def test_the_retire_page_says_what_it_means_and_changes_nothing_until_confirmed(
    merchandiser, onboarded
):
    partner = onboarded["threadline"]

    page = merchandiser.get(url("retire", partner.pk))

    text = unescape(page.content.decode())
    assert page.status_code == 200
    assert "<strong>no new lookups, searches, similar-item calls or orders</strong>" in text
    assert "<strong>keep syncing their status</strong>" in text
    assert "Its configuration, history and call log are <strong>kept</strong>." in text
    partner.refresh_from_db()
    assert partner.status == Partner.Status.LIVE


def test_confirming_retires_the_partner(merchandiser, onboarded):
    partner = onboarded["threadline"]
    change_page = merchandiser.get(url("change", partner.pk))

    posted = merchandiser.post(url("retire", partner.pk))

    partner.refresh_from_db()
    assert url("retire", partner.pk) in change_page.content.decode()
    assert Partner.Status.RETIRED not in change_page.context["next_statuses"]
    assert posted.status_code == 302
    assert partner.status == Partner.Status.RETIRED
    after = merchandiser.get(url("change", partner.pk))
    assert after.context["can_retire"] is False


def test_test_connection_of_a_retired_partner_refuses_a_lookup_and_sends_nothing(
    merchandiser, onboarded
):
    partner = stop(onboarded["threadline"], Partner.Status.RETIRED)

    response = merchandiser.post(
        url("test_connection", partner.pk), {"operation": "lookup", "value": "5012345678900"}
    )

    result = response.context["result"]
    assert result.ok is False
    assert result.summary == (
        "Threadline is retired: it takes no new lookups, searches or similar-item calls, tests "
        "included. Checking an order's status still works; move it to testing to test the rest."
    )
    assert 'data-testid="test-refusal"' in response.content.decode()
    assert call_rows(partner) == []


def test_test_connection_of_a_retired_partner_still_checks_an_order_status(
    merchandiser, onboarded, sandbox
):
    _, item = in_stock(sandbox.threadline)
    placed = adapter_for(onboarded["threadline"]).place_order(
        order_for(item.sku, gtin=item.variant.gtin)
    )
    partner = stop(onboarded["threadline"], Partner.Status.RETIRED)

    response = merchandiser.post(
        url("test_connection", partner.pk),
        {"operation": "order_status", "value": placed.partner_order_id},
    )

    assert response.context["result"].ok is True
    assert call_rows(partner) == ["place_order", "order_status"]


@pytest.fixture
def never_called(db, sandbox, sandbox_allowed) -> Partner:
    partner = partner_config_import(
        data=sandbox_config(PartnerName.THREADLINE), base_url=sandbox.threadline.base_url
    )
    partner_credentials_set(partner=partner, values={"api_key": "tl-key-never-used"})
    return partner


@pytest.fixture
def superuser(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


@pytest.mark.parametrize("who", ["merchandiser", "superuser"])
def test_a_partner_never_called_is_deleted_with_its_operations(request, never_called, who):
    user = request.getfixturevalue(who)

    page = user.get(url("delete", never_called.pk))
    posted = user.post(url("delete", never_called.pk), {"post": "yes"})

    assert page.status_code == 200
    assert page.context["perms_lacking"] == set()
    assert posted.status_code == 302
    assert not Partner.objects.filter(pk=never_called.pk).exists()
    assert not OperationConfig.objects.filter(partner_id=never_called.pk).exists()
    assert not PartnerCredentials.objects.filter(partner_id=never_called.pk).exists()


@pytest.mark.parametrize("who", ["merchandiser", "superuser"])
def test_a_partner_that_was_called_cannot_be_deleted(request, never_called, sandbox, who):
    user = request.getfixturevalue(who)
    # A call refused by the partner is a call too: it is in the log.
    with pytest.raises(PartnerAuthFailed):
        adapter_for(never_called).search("linen")

    page = user.get(url("delete", never_called.pk))
    posted = user.post(url("delete", never_called.pk), {"post": "yes"})

    assert (page.status_code, posted.status_code) == (403, 403)
    assert Partner.objects.filter(pk=never_called.pk).exists()
    assert call_rows(never_called) == ["search"]
    assert never_called.operations.count() == 6
