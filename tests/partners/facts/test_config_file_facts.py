"""Facts in the configuration file: exported exactly (amounts as text, countries as codes),
imported with checks that name the field, and the webhook secret never in the file."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from partners.config_files import partner_config_export
from partners.facts import FACT_FIELDS
from partners.models import OperationConfig, Partner
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import sandbox_config
from partners.sandbox.webhooks import DEFAULT_WEBHOOK_SECRET
from partners.services import partner_config_import
from partners.webhook_secrets import partner_webhook_secret, partner_webhook_secret_generate

pytestmark = pytest.mark.django_db


def facts_of(exported: dict) -> dict:
    return {name: exported["partner"][name] for name in FACT_FIELDS}


def import_problems(**changes) -> list[str]:
    data = sandbox_config(PartnerName.BAYWATER)
    data["partner"].update(changes)
    with pytest.raises(Exception) as refused:
        partner_config_import(data=data)
    assert not Partner.objects.exists()
    assert not OperationConfig.objects.exists()
    return refused.value.messages


def test_the_sandbox_partners_export_their_facts(onboarded):
    exported = {slug: facts_of(partner_config_export(p)) for slug, p in onboarded.items()}

    assert exported["baywater"] == {
        "ships_to": ["GB"],
        "shipping_rule": "per_order",
        "shipping_amount": "4.50",
        "shipping_free_above": "40.00",
        "shipping_currency": "GBP",
        "status_delivery": "webhook",
        "status_poll_interval_seconds": 900,
        "webhook_signature_scheme": "timestamp_body",
        "webhook_signature_header": "X-Sandbox-Signature",
        "webhook_timestamp_header": "X-Sandbox-Timestamp",
        "webhook_replay_window_seconds": 300,
    }
    assert {
        slug: (facts["status_delivery"], facts["webhook_signature_scheme"])
        for slug, facts in exported.items()
    } == {
        "threadline": ("webhook", "body"),
        "stridewell": ("polling", "body"),
        "hearth": ("webhook", "body"),
        "baywater": ("webhook", "timestamp_body"),
    }
    assert exported["threadline"]["ships_to"] == ["GB", "IE"]
    assert exported["threadline"]["shipping_amount"] is None
    assert exported["stridewell"]["status_poll_interval_seconds"] == 300


def test_the_webhook_secret_is_never_exported(onboarded):
    generated = partner_webhook_secret_generate(partner=onboarded["hearth"])

    texts = {slug: json.dumps(partner_config_export(p)) for slug, p in onboarded.items()}

    assert [slug for slug, text in texts.items() if DEFAULT_WEBHOOK_SECRET in text] == []
    assert generated not in texts["hearth"]
    assert [slug for slug, text in texts.items() if "webhook_secret" in text] == []


def test_an_import_keeps_the_stored_webhook_secret_and_a_new_partner_has_none(onboarded):
    exported = json.loads(json.dumps(partner_config_export(onboarded["baywater"])))

    partner_config_import(data=exported)
    assert partner_webhook_secret(onboarded["baywater"]) == DEFAULT_WEBHOOK_SECRET

    Partner.objects.all().delete()
    fresh = partner_config_import(data=exported)
    assert partner_webhook_secret(fresh) is None
    assert partner_config_export(fresh)["partner"] == exported["partner"]


def test_amounts_are_read_exactly_and_written_with_two_decimals(db):
    data = sandbox_config(PartnerName.BAYWATER)
    data["partner"] |= {"shipping_amount": "4.5", "shipping_free_above": "100"}

    partner = partner_config_import(data=data)

    partner.refresh_from_db()
    assert (partner.shipping_amount, partner.shipping_free_above) == (
        Decimal("4.50"),
        Decimal("100.00"),
    )
    assert facts_of(partner_config_export(partner))["shipping_amount"] == "4.50"


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        (
            {"shipping_amount": 4.5, "shipping_free_above": ""},
            [
                'partner · shipping_amount: must be an amount as text (e.g. "4.95") or null, '
                "not a decimal number",
                'partner · shipping_free_above: must be an amount as text (e.g. "4.95") or '
                "null, not text",
            ],
        ),
        (
            {"ships_to": "GB", "status_poll_interval_seconds": "900"},
            [
                "partner · ships_to: must be a list of texts, not text",
                "partner · status_poll_interval_seconds: must be a whole number, not text",
            ],
        ),
        (
            {"ships_to": ["GB", "XX"]},
            ["partner · ships_to: XX is not a country code (ISO 3166-1 alpha-2, e.g. GB)."],
        ),
        (
            {"shipping_amount": "four"},
            ["partner · shipping_amount: “four” value must be a decimal number."],
        ),
        (
            {"shipping_rule": "per_parcel", "status_delivery": "email"},
            [
                "partner · shipping_rule: Value 'per_parcel' is not a valid choice.",
                "partner · status_delivery: Value 'email' is not a valid choice.",
            ],
        ),
        (
            {"shipping_currency": ""},
            ["partner · shipping_currency: Give the currency of the amounts, e.g. GBP."],
        ),
        (
            {"webhook_timestamp_header": "X-Sandbox-Signature"},
            ["partner · webhook_timestamp_header: Must differ from the signature header."],
        ),
        (
            {"webhook_replay_window_seconds": 10},
            [
                "partner · webhook_replay_window_seconds: Ensure this value is greater than "
                "or equal to 30."
            ],
        ),
    ],
)
def test_a_bad_fact_in_a_file_names_its_field_and_nothing_is_written(db, changes, problems):
    assert import_problems(**changes) == problems


def test_a_file_may_not_carry_a_webhook_secret(db):
    assert import_problems(webhook_secret="in-the-clear-in-a-file") == [
        "partner: unknown fields webhook_secret"
    ]


def test_the_import_command_asks_for_the_webhook_secret_of_a_webhook_partner(tmp_path, capsys):
    source = tmp_path / "baywater.json"
    source.write_text(json.dumps(sandbox_config(PartnerName.BAYWATER)))

    call_command("import_partner", str(source))

    assert capsys.readouterr().out.splitlines()[1:] == [
        "Enter or generate its webhook secret in the admin."
    ]
