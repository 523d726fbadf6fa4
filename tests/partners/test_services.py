"""Partner services: the status machine and its go-live gate, encrypted credentials, the
configuration version, and pruning of the call log."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from partners.crypto import credentials_decrypt
from partners.models import OperationConfig, Partner, PartnerCall, PartnerCredentials
from partners.operations import Operation
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import sandbox_config
from partners.services import (
    partner_calls_prune,
    partner_config_bump,
    partner_credentials_set,
    partner_status_change,
)
from partners.tasks import partner_calls_prune_old
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db

Status = Partner.Status


def threadline_operation(operation: Operation, **changes) -> dict:
    """One operation's fields from the Threadline sandbox file, a configuration known to work."""
    fields = next(
        item
        for item in sandbox_config(PartnerName.THREADLINE)["operations"]
        if item["operation"] == operation
    )
    return {**fields, **changes}


def configure(partner: Partner, *operations: Operation, **changes) -> None:
    for operation in operations:
        OperationConfig.objects.create(
            partner=partner, **threadline_operation(operation, **changes)
        )


def ready_partner(status: Status) -> Partner:
    """A partner whose lookup and place-order configurations validate."""
    partner = PartnerFactory(status=status)
    configure(partner, Operation.LOOKUP, Operation.PLACE_ORDER)
    return partner


def history_statuses(partner: Partner) -> list[str]:
    return list(partner.history.order_by("history_id").values_list("status", flat=True))


# --- Status transitions ---


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Status.DRAFT, Status.TESTING),
        (Status.TESTING, Status.DRAFT),
        (Status.LIVE, Status.PAUSED),
        (Status.LIVE, Status.TESTING),
        (Status.PAUSED, Status.TESTING),
    ],
)  # going live needs proofs: tests/partners/golive/
def test_an_allowed_transition_moves_the_partner_and_is_kept_in_history(start, target):
    partner = ready_partner(start)

    moved = partner_status_change(partner=partner, status=target)

    partner.refresh_from_db()
    assert moved.status == target
    assert partner.status == target
    assert history_statuses(partner) == [start, target]


@pytest.mark.parametrize(
    ("start", "target", "message"),
    [
        (Status.DRAFT, Status.LIVE, "A draft partner cannot move to live."),
        (Status.DRAFT, Status.PAUSED, "A draft partner cannot move to paused."),
        (Status.DRAFT, Status.DRAFT, "A draft partner cannot move to draft."),
        (Status.TESTING, Status.PAUSED, "A testing partner cannot move to paused."),
        (Status.LIVE, Status.DRAFT, "A live partner cannot move to draft."),
        (Status.LIVE, Status.LIVE, "A live partner cannot move to live."),
        (Status.PAUSED, Status.DRAFT, "A paused partner cannot move to draft."),
    ],
)
def test_a_transition_outside_the_table_is_refused_and_changes_nothing(start, target, message):
    partner = ready_partner(start)

    with pytest.raises(ValidationError) as refused:
        partner_status_change(partner=partner, status=target)

    partner.refresh_from_db()
    assert refused.value.messages == [message]
    assert partner.status == start
    assert history_statuses(partner) == [start]


# --- The go-live gate ---


def test_going_live_without_lookup_and_place_order_is_refused_naming_both():
    partner = PartnerFactory(status=Status.TESTING)
    configure(partner, Operation.SEARCH)

    with pytest.raises(ValidationError) as refused:
        partner_status_change(partner=partner, status=Status.LIVE)

    partner.refresh_from_db()
    assert refused.value.messages == [
        "Cannot go live:",
        "Look up by code: not configured",
        "Place order: not configured",
        "Search by name: no Test connection yet",
        # No facts yet: countries, shipping rule and how status reaches us are named too
        "Countries shipped to: none chosen",
        "Shipping charge: no rule chosen",
        "Order status: choose webhook or polling",
    ]
    assert partner.status == Status.TESTING
    assert history_statuses(partner) == [Status.TESTING]


def test_going_live_without_place_order_is_refused_naming_it():
    partner = PartnerFactory(status=Status.PAUSED)
    configure(partner, Operation.LOOKUP)

    with pytest.raises(ValidationError) as refused:
        partner_status_change(partner=partner, status=Status.LIVE)

    partner.refresh_from_db()
    assert refused.value.messages == [
        "Cannot go live:",
        "Place order: not configured",
        "Look up by code: no Test connection yet",
        # A paused partner keeps its facts; polling needs the order status operation
        "Order status by polling: the Order status operation is not configured",
    ]
    assert partner.status == Status.PAUSED


def test_going_live_with_a_mapping_that_does_not_compile_names_operation_and_field():
    partner = PartnerFactory(status=Status.TESTING)
    configure(partner, Operation.PLACE_ORDER)
    configure(partner, Operation.LOOKUP, response_mapping="body.(name")

    with pytest.raises(ValidationError) as refused:
        partner_status_change(partner=partner, status=Status.LIVE)

    partner.refresh_from_db()
    assert refused.value.messages == [
        "Cannot go live:",
        "lookup response mapping: syntax error at line 1, "
        "column 11 (position 10): Expected ) before end of expression",
        "Look up by code: no Test connection yet",
        "Place order: send a test order on configuration version 1 (or, for a partner "
        "without a test mode, sign orders off)",
        # No facts yet: countries, shipping rule and how status reaches us are named too
        "Countries shipped to: none chosen",
        "Shipping charge: no rule chosen",
        "Order status: choose webhook or polling",
    ]
    assert partner.status == Status.TESTING


def test_going_live_with_several_broken_fields_lists_each_of_them():
    partner = PartnerFactory(status=Status.TESTING)
    configure(partner, Operation.LOOKUP, path_template="v1/products/{code}")
    configure(partner, Operation.PLACE_ORDER, response_mapping="", accepted_statuses=[42])

    with pytest.raises(ValidationError) as refused:
        partner_status_change(partner=partner, status=Status.LIVE)

    partner.refresh_from_db()
    assert refused.value.messages == [
        "Cannot go live:",
        "Look up by code · path template: must start with /",
        "Place order · accepted statuses: must be a list of HTTP codes, e.g. [404]",
        "Place order · response mapping: required",
        "Look up by code: no Test connection yet",
        "Place order: send a test order on configuration version 1 (or, for a partner "
        "without a test mode, sign orders off)",
        # No facts yet: countries, shipping rule and how status reaches us are named too
        "Countries shipped to: none chosen",
        "Shipping charge: no rule chosen",
        "Order status: choose webhook or polling",
    ]
    assert partner.status == Status.TESTING


# --- Credentials ---


def test_credentials_are_encrypted_at_rest_and_decrypt_to_what_was_set():
    partner = PartnerFactory(auth_type=Partner.AuthType.BASIC)
    assert partner.config_version == 1

    partner_credentials_set(
        partner=partner, values={"username": "shop-user-17", "password": "pw-Zq81-secret"}
    )

    stored = PartnerCredentials.objects.get(partner=partner).encrypted
    assert "shop-user-17" not in stored
    assert "pw-Zq81-secret" not in stored
    assert credentials_decrypt(stored) == {"username": "shop-user-17", "password": "pw-Zq81-secret"}
    partner.refresh_from_db()
    assert partner.config_version == 2


def test_a_blank_value_keeps_the_stored_one_and_a_filled_one_replaces_it():
    partner = PartnerFactory(auth_type=Partner.AuthType.OAUTH2_CLIENT_CREDENTIALS)
    partner_credentials_set(partner=partner, values={"client_id": "id-1", "client_secret": "old-s"})

    partner_credentials_set(partner=partner, values={"client_id": "", "client_secret": "new-s"})

    stored = PartnerCredentials.objects.get(partner=partner).encrypted
    assert credentials_decrypt(stored) == {"client_id": "id-1", "client_secret": "new-s"}
    partner.refresh_from_db()
    assert partner.config_version == 3


def test_a_field_the_auth_type_does_not_use_is_refused_and_nothing_is_stored():
    partner = PartnerFactory(auth_type=Partner.AuthType.BASIC)

    with pytest.raises(ValidationError) as refused:
        partner_credentials_set(
            partner=partner, values={"username": "u", "api_key": "k-1", "client_id": "c"}
        )

    assert refused.value.messages == ["api_key, client_id are not used by HTTP Basic."]
    assert not PartnerCredentials.objects.filter(partner=partner).exists()
    partner.refresh_from_db()
    assert partner.config_version == 1


def test_after_a_change_of_auth_type_only_the_new_types_fields_are_kept():
    partner = PartnerFactory(auth_type=Partner.AuthType.BASIC)
    partner_credentials_set(partner=partner, values={"username": "u", "password": "p"})
    partner.auth_type = Partner.AuthType.API_KEY_HEADER
    partner.save()

    partner_credentials_set(partner=partner, values={"api_key": "key-9"})

    stored = PartnerCredentials.objects.get(partner=partner).encrypted
    assert credentials_decrypt(stored) == {"api_key": "key-9"}


# --- Configuration version ---


def test_config_bump_raises_the_version_by_one_each_time_in_the_database_and_instance():
    partner = PartnerFactory()
    other_copy = Partner.objects.get(pk=partner.pk)

    partner_config_bump(partner=partner)
    partner_config_bump(partner=other_copy)

    assert partner.config_version == 2
    assert other_copy.config_version == 3
    assert Partner.objects.get(pk=partner.pk).config_version == 3


# --- Pruning the call log ---


def call_aged(partner: Partner, age: timedelta) -> PartnerCall:
    call = PartnerCall.objects.create(
        partner=partner,
        operation="lookup",
        method="GET",
        path="/v1/products/by-barcode/4006381333931",
        outcome=PartnerCall.Outcome.OK,
        config_version=1,
    )
    # created_at is auto_now_add: age the row afterwards.
    PartnerCall.objects.filter(pk=call.pk).update(created_at=timezone.now() - age)
    return call


@pytest.fixture
def calls_of_every_age() -> dict[str, PartnerCall]:
    partner = PartnerFactory()
    return {
        "a year": call_aged(partner, timedelta(days=365)),
        "31 days": call_aged(partner, timedelta(days=31)),
        "just over 30 days": call_aged(partner, timedelta(days=30, hours=1)),
        "just under 30 days": call_aged(partner, timedelta(days=29, hours=23)),
        "8 days": call_aged(partner, timedelta(days=8)),
        "an hour": call_aged(partner, timedelta(hours=1)),
    }


def test_pruning_deletes_exactly_the_calls_older_than_the_cutoff(calls_of_every_age):
    deleted = partner_calls_prune(older_than_days=30)

    assert deleted == 3
    assert set(PartnerCall.objects.values_list("pk", flat=True)) == {
        calls_of_every_age[age].pk for age in ("just under 30 days", "8 days", "an hour")
    }


def test_pruning_with_nothing_old_enough_deletes_nothing(calls_of_every_age):
    deleted = partner_calls_prune(older_than_days=400)

    assert deleted == 0
    assert PartnerCall.objects.count() == 6


def test_the_prune_task_uses_the_retention_setting(settings, calls_of_every_age):
    settings.PARTNER_CALL_RETENTION_DAYS = 7

    deleted = partner_calls_prune_old()

    assert deleted == 5
    assert list(PartnerCall.objects.values_list("pk", flat=True)) == [
        calls_of_every_age["an hour"].pk
    ]
