"""Partner facts on the model: every inconsistent combination is refused with a message on the
field that is wrong, for the admin and imports alike (both run `full_clean`)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from partners.models import Partner

pytestmark = pytest.mark.django_db

VALID = {
    "ships_to": ["GB", "IE"],
    "shipping_rule": Partner.ShippingRule.PER_ORDER,
    "shipping_amount": Decimal("4.95"),
    "shipping_free_above": Decimal("50.00"),
    "shipping_currency": "GBP",
    "status_delivery": Partner.StatusDelivery.WEBHOOK,
    "webhook_signature_scheme": Partner.WebhookSignatureScheme.TIMESTAMP_BODY,
    "webhook_signature_header": "X-Acme-Signature",
    "webhook_timestamp_header": "X-Acme-Timestamp",
}
# Every fact a draft may leave unset, unset.
UNSET = {
    "ships_to": [],
    "shipping_rule": "",
    "shipping_amount": None,
    "shipping_free_above": None,
    "shipping_currency": "",
    "status_delivery": "",
}


def errors_of(**changes) -> dict[str, list[str]]:
    """The partner's validation errors, given VALID facts with `changes`."""
    partner = Partner(
        name="Acme", slug="acme", base_url="https://api.acme.example", **{**VALID, **changes}
    )
    try:
        partner.full_clean()
    except ValidationError as error:
        return error.message_dict
    return {}


def test_a_complete_and_consistent_set_of_facts_is_valid():
    assert errors_of() == {}


def test_a_draft_may_leave_every_fact_unset():
    assert errors_of(**UNSET) == {}


@pytest.mark.parametrize("status", [Partner.Status.LIVE, Partner.Status.PAUSED])
def test_a_live_or_paused_partner_keeps_the_facts_the_order_pipeline_needs(status):
    """Facts apply at once (no pending version waits for proof), so they cannot be dropped."""
    assert errors_of(status=status, **UNSET) == {
        "ships_to": ["A live partner keeps the countries it ships to."],
        "shipping_rule": ["A live partner keeps a shipping rule."],
        "status_delivery": ["A live partner keeps how its order status reaches us."],
    }
    assert errors_of(status=status) == {}


def test_a_charge_needs_its_amount_and_currency():
    assert errors_of(shipping_amount=None, shipping_currency="") == {
        "shipping_amount": ["Give the charge, e.g. 4.95."],
        "shipping_currency": ["Give the currency of the amounts, e.g. GBP."],
    }


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1.00")])
def test_a_charge_of_nothing_or_less_is_refused(amount):
    assert errors_of(shipping_rule=Partner.ShippingRule.PER_ITEM, shipping_amount=amount) == {
        "shipping_amount": ["A charge must be more than 0; choose “Free” for no charge."]
    }


def test_free_shipping_from_nothing_is_refused():
    assert errors_of(shipping_free_above=Decimal("0.00")) == {
        "shipping_free_above": [
            "Must be more than 0; leave it empty when every order pays the charge."
        ]
    }


def test_a_charge_without_a_free_threshold_is_valid():
    assert errors_of(shipping_rule=Partner.ShippingRule.PER_ITEM, shipping_free_above=None) == {}


def test_free_shipping_takes_no_amounts():
    message = "Leave it empty: free shipping has no amounts."

    assert errors_of(shipping_rule=Partner.ShippingRule.FREE) == {
        "shipping_amount": [message],
        "shipping_free_above": [message],
        "shipping_currency": [message],
    }
    assert (
        errors_of(
            shipping_rule=Partner.ShippingRule.FREE,
            shipping_amount=None,
            shipping_free_above=None,
            shipping_currency="",
        )
        == {}
    )


def test_amounts_without_a_rule_are_refused():
    assert errors_of(shipping_rule="", shipping_free_above=None, shipping_currency="") == {
        "shipping_amount": ["Choose a shipping rule first, or leave it empty."]
    }


@pytest.mark.parametrize("currency", ["gbp", "XYZ", "GB"])
def test_the_currency_must_be_an_iso_4217_code_in_capitals(currency):
    assert errors_of(shipping_currency=currency) == {
        "shipping_currency": [f"{currency!r} is not an ISO 4217 currency code (e.g. GBP, EUR)."]
    }


def test_amounts_have_at_most_two_decimal_places_and_nine_digits():
    assert errors_of(shipping_amount=Decimal("4.955"), shipping_free_above=Decimal("1e9")) == {
        "shipping_amount": ["Ensure that there are no more than 2 decimal places."],
        "shipping_free_above": ["Ensure that there are no more than 9 digits in total."],
    }


def test_an_amount_that_is_not_a_number_is_refused_once():
    assert errors_of(shipping_amount="four") == {
        "shipping_amount": ["“four” value must be a decimal number."]
    }


def test_countries_must_be_iso_3166_codes():
    assert errors_of(ships_to=["GB", "XX"]) == {
        "ships_to": ["XX is not a country code (ISO 3166-1 alpha-2, e.g. GB)."]
    }


def test_countries_are_kept_once_each_in_order_of_code(db):
    partner = Partner.objects.create(
        name="Acme", slug="acme", base_url="https://api.acme.example", ships_to=["IE", "GB", "IE"]
    )

    partner.refresh_from_db()
    assert [country.code for country in partner.ships_to] == ["GB", "IE"]


@pytest.mark.parametrize(
    ("seconds", "message"),
    [
        (59, "Ensure this value is greater than or equal to 60."),
        (86_401, "Ensure this value is less than or equal to 86400."),
    ],
)
def test_the_polling_interval_is_between_a_minute_and_a_day(seconds, message):
    errors = errors_of(
        status_delivery=Partner.StatusDelivery.POLLING, status_poll_interval_seconds=seconds
    )

    assert errors == {"status_poll_interval_seconds": [message]}


@pytest.mark.parametrize(
    ("seconds", "message"),
    [
        (29, "Ensure this value is greater than or equal to 30."),
        (3_601, "Ensure this value is less than or equal to 3600."),
    ],
)
def test_the_replay_window_is_between_half_a_minute_and_an_hour(seconds, message):
    assert errors_of(webhook_replay_window_seconds=seconds) == {
        "webhook_replay_window_seconds": [message]
    }


def test_a_timestamped_webhook_names_both_headers():
    assert errors_of(webhook_signature_header="", webhook_timestamp_header="") == {
        "webhook_signature_header": ["Name the header the partner sends it in."],
        "webhook_timestamp_header": ["Name the header the partner sends it in."],
    }


def test_header_names_must_be_valid_and_different():
    assert errors_of(webhook_signature_header="X Signature") == {
        "webhook_signature_header": ["'X Signature' is not a valid header name."]
    }
    assert errors_of(webhook_timestamp_header="x-acme-signature") == {
        "webhook_timestamp_header": ["Must differ from the signature header."]
    }


def test_a_body_signed_webhook_needs_no_timestamp_header():
    assert (
        errors_of(
            webhook_signature_scheme=Partner.WebhookSignatureScheme.BODY,
            webhook_timestamp_header="",
        )
        == {}
    )


def test_webhook_headers_are_not_checked_while_the_status_is_polled():
    assert (
        errors_of(
            status_delivery=Partner.StatusDelivery.POLLING,
            webhook_signature_header="",
            webhook_timestamp_header="",
        )
        == {}
    )
