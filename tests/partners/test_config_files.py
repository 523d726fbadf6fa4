"""Partner configuration files: export without credentials, import all-or-nothing with errors
that name the field, the management commands, and credential key rotation."""

import copy
import io
import json

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from partners.config_files import (
    MAX_CONFIG_BYTES,
    ConfigFileUnreadable,
    partner_config_export,
    partner_config_read,
)
from partners.crypto import CredentialsUnreadable, credentials_decrypt
from partners.models import OperationConfig, Partner, PartnerCredentials
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import SANDBOX_CREDENTIALS, sandbox_config
from partners.services import (
    partner_config_import,
    partner_credentials_set,
    partner_status_change,
)

pytestmark = pytest.mark.django_db

PARTNER_KEYS = {
    "name",
    "slug",
    "categories",
    "priority",
    "contact_email",
    "adapter",
    "base_url",
    "auth_type",
    "api_key_name",
    "oauth_token_url",
    "oauth_scope",
    "hmac_header_name",
    "hmac_signed_parts",
    "connect_timeout_ms",
    "read_timeout_ms",
    "read_attempts",
    "max_concurrent_requests",
    "max_response_kb",
    "lookup_kind",
    "one_item_per_order",
    "deduplication",
    "idempotency_header_name",
    "ships_to",
    "shipping_rule",
    "shipping_amount",
    "shipping_free_above",
    "shipping_currency",
    "status_delivery",
    "status_poll_interval_seconds",
    "webhook_signature_scheme",
    "webhook_signature_header",
    "webhook_timestamp_header",
    "webhook_replay_window_seconds",
    "secret_header_names",
}
OPERATION_KEYS = {
    "operation",
    "method",
    "path_template",
    "headers",
    "body_format",
    "request_mapping",
    "response_mapping",
    "accepted_statuses",
}
SECRET_LIKE_KEYS = {
    "api_key",
    "username",
    "password",
    "client_id",
    "client_secret",
    "key_id",
    "secret",
    "webhook_secret",
    "credentials",
    "encrypted",
}
SLUGS = [name.value for name in PartnerName]


def all_keys(value) -> set[str]:
    """Every object key anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in all_keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in all_keys(item)}
    return set()


def threadline_file() -> dict:
    return sandbox_config(PartnerName.THREADLINE)


def assert_nothing_written() -> None:
    assert Partner.objects.count() == 0
    assert OperationConfig.objects.count() == 0


# --- Export ---


@pytest.mark.parametrize("slug", SLUGS)
def test_export_has_exactly_the_documented_keys(onboarded, slug):
    exported = partner_config_export(onboarded[slug])

    assert set(exported) == {"format", "config_version", "partner", "operations"}
    assert exported["format"] == "endless-aisle-partner/1"
    assert exported["config_version"] == 3
    assert set(exported["partner"]) == PARTNER_KEYS
    ranged = ["search", "similar"] if slug != "baywater" else []  # nothing to search for
    assert [item["operation"] for item in exported["operations"]] == [
        "cancel_order",
        "lookup",
        "order_status",
        "place_order",
        *ranged,
    ]
    assert all(set(item) == OPERATION_KEYS for item in exported["operations"])


@pytest.mark.parametrize("slug", SLUGS)
def test_export_holds_no_credentials(onboarded, slug):
    secrets = SANDBOX_CREDENTIALS[PartnerName(slug)].values()

    exported = partner_config_export(onboarded[slug])

    # The format marker "endless-aisle-partner/1" contains Hearth's user name "endless-aisle".
    text = json.dumps({key: value for key, value in exported.items() if key != "format"})
    assert PartnerCredentials.objects.filter(partner=onboarded[slug]).exists()
    assert [secret for secret in secrets if secret in text] == []
    assert all_keys(exported) & SECRET_LIKE_KEYS == set()


# --- Import ---


@pytest.mark.parametrize("slug", SLUGS)
def test_importing_a_sandbox_file_then_exporting_it_gives_the_file_back(db, slug):
    data = sandbox_config(PartnerName(slug))

    partner = partner_config_import(data=data)

    exported = partner_config_export(partner)
    assert exported["partner"] == data["partner"]
    assert exported["operations"] == sorted(data["operations"], key=lambda op: op["operation"])


def test_export_then_import_into_a_fresh_database_round_trips_as_a_draft(onboarded):
    exported = json.loads(json.dumps(partner_config_export(onboarded["threadline"])))
    Partner.objects.all().delete()
    assert_nothing_written()

    partner = partner_config_import(data=exported)

    reexported = partner_config_export(partner)
    assert reexported["partner"] == exported["partner"]
    assert reexported["operations"] == exported["operations"]
    assert partner.status == Partner.Status.DRAFT
    assert partner.config_version == 2
    assert not PartnerCredentials.objects.filter(partner=partner).exists()


def test_base_url_given_to_the_import_overrides_the_files():
    partner = partner_config_import(data=threadline_file(), base_url="http://127.0.0.1:9911")

    partner.refresh_from_db()
    assert partner.base_url == "http://127.0.0.1:9911"


def test_reimport_updates_the_partner_with_that_slug_and_bumps_its_version():
    first = partner_config_import(data=threadline_file())
    partner_credentials_set(partner=first, values={"api_key": "tl-kept-key"})
    partner_status_change(partner=first, status=Partner.Status.TESTING)
    first.refresh_from_db()
    assert first.config_version == 3
    data = threadline_file()
    data["partner"]["name"] = "Threadline Europe"
    data["operations"] = [op for op in data["operations"] if op["operation"] != "similar"]

    second = partner_config_import(data=data)

    second.refresh_from_db()
    assert second.pk == first.pk
    assert Partner.objects.count() == 1
    assert second.name == "Threadline Europe"
    assert second.config_version == 4
    assert second.status == Partner.Status.TESTING
    assert credentials_decrypt(second.credentials.encrypted) == {"api_key": "tl-kept-key"}
    assert sorted(second.operations.values_list("operation", flat=True)) == [
        "cancel_order",
        "lookup",
        "order_status",
        "place_order",
        "search",
    ]


def with_change(change) -> dict:
    data = threadline_file()
    change(data)
    return data


def lookup_of(data: dict) -> dict:
    return next(op for op in data["operations"] if op["operation"] == "lookup")


BAD_FILES = {
    "format marker": (
        lambda data: data.update(format="endless-aisle-partner/2"),
        ['Not a partner configuration file: "format" must be "endless-aisle-partner/1".'],
    ),
    "unknown partner field": (
        lambda data: data["partner"].update(status="live", api_key="smuggled"),
        ["partner: unknown fields api_key, status"],
    ),
    "mapping syntax error": (
        lambda data: lookup_of(data).update(response_mapping="body.(name"),
        [
            "lookup response mapping: syntax error at line 1, "
            "column 11 (position 10): Expected ) before end of expression"
        ],
    ),
    "duplicate operation": (
        lambda data: data["operations"].append(copy.deepcopy(lookup_of(data))),
        ["operations: lookup appears more than once"],
    ),
    "bad URL": (
        lambda data: data["partner"].update(base_url="not a url"),
        ["partner · base_url: Enter a valid URL."],
    ),
    "unknown lookup kind": (
        lambda data: data["partner"].update(lookup_kind="prices"),
        ["partner · lookup_kind: Value 'prices' is not a valid choice."],
    ),
    "unknown operation": (
        lambda data: lookup_of(data).update(operation="teleport"),
        ["operations[0] (teleport) · operation: Value 'teleport' is not a valid choice."],
    ),
    "unknown operation field": (
        lambda data: lookup_of(data).update(timeout=5),
        [
            "operations[0]: must be an object with only operation, method, path_template, "
            "headers, body_format, request_mapping, response_mapping, accepted_statuses"
        ],
    ),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_is_refused_naming_the_field_and_writes_nothing(case):
    change, messages = BAD_FILES[case]

    with pytest.raises(ValidationError) as refused:
        partner_config_import(data=with_change(change))

    assert refused.value.messages == messages
    assert_nothing_written()


def test_a_bad_reimport_leaves_the_existing_partner_as_it_was():
    partner = partner_config_import(data=threadline_file())
    before = partner_config_export(partner)
    data = threadline_file()
    data["partner"]["name"] = "Renamed"
    lookup_of(data).update(response_mapping="body.(name")

    with pytest.raises(ValidationError):
        partner_config_import(data=data)

    partner.refresh_from_db()
    assert partner_config_export(partner) == before
    assert partner.name == "Threadline"


WRONG_TYPES = {
    "name as an object": (
        lambda data: data["partner"].update(name={"a": 1}),
        ["partner · name: must be text, not an object"],
    ),
    "categories as text": (
        lambda data: data["partner"].update(categories="apparel"),
        ["partner · categories: must be a list of texts, not text"],
    ),
    "a category as a number": (
        lambda data: data["partner"].update(categories=["apparel", 7]),
        ["partner · categories: must be a list of texts; item 1 is a whole number"],
    ),
    "priority as text": (
        lambda data: data["partner"].update(priority="5"),
        ["partner · priority: must be a whole number, not text"],
    ),
    "a timeout as true": (
        lambda data: data["partner"].update(connect_timeout_ms=True),
        ["partner · connect_timeout_ms: must be a whole number, not true or false"],
    ),
    "a timeout with a fraction": (
        lambda data: data["partner"].update(read_timeout_ms=1500.5),
        ["partner · read_timeout_ms: must be a whole number, not a decimal number"],
    ),
    "contact email as null": (
        lambda data: data["partner"].update(contact_email=None),
        ["partner · contact_email: must be text, not null"],
    ),
    "path template as a number": (
        lambda data: lookup_of(data).update(path_template=5),
        ["operations[0] (lookup) · path_template: must be text, not a whole number"],
    ),
    "headers as a list": (
        lambda data: lookup_of(data).update(headers=["Accept"]),
        ["operations[0] (lookup) · headers: must be an object of texts, not a list"],
    ),
    "a header value as a number": (
        lambda data: lookup_of(data).update(headers={"X-Page-Size": 50}),
        [
            'operations[0] (lookup) · headers: must be an object of texts; "X-Page-Size" is a '
            "whole number"
        ],
    ),
    "accepted statuses as text": (
        lambda data: lookup_of(data).update(accepted_statuses="404"),
        ["operations[0] (lookup) · accepted_statuses: must be a list of whole numbers, not text"],
    ),
    "a mapping as a list": (
        lambda data: lookup_of(data).update(response_mapping=["body"]),
        ["operations[0] (lookup) · response_mapping: must be text, not a list"],
    ),
}


@pytest.mark.parametrize("case", WRONG_TYPES)
def test_a_wrongly_typed_value_is_refused_naming_the_field_and_type(case):
    change, messages = WRONG_TYPES[case]

    with pytest.raises(ValidationError) as refused:
        partner_config_import(data=with_change(change))

    assert refused.value.messages == messages
    assert_nothing_written()


def test_every_wrongly_typed_value_is_listed_at_once():
    def change(data):
        data["partner"].update(name=["Threadline"], max_response_kb="2048")
        lookup_of(data).update(method=None)

    with pytest.raises(ValidationError) as refused:
        partner_config_import(data=with_change(change))

    assert refused.value.messages == [
        "partner · name: must be text, not a list",
        "partner · max_response_kb: must be a whole number, not text",
        "operations[0] (lookup) · method: must be text, not null",
    ]
    assert_nothing_written()


def test_a_wrongly_typed_reimport_leaves_the_partner_as_it_was():
    partner = partner_config_import(data=threadline_file())
    before = partner_config_export(partner)

    with pytest.raises(ValidationError):
        partner_config_import(data=with_change(lambda data: data["partner"].update(name={})))

    partner.refresh_from_db()
    assert partner_config_export(partner) == before


# --- Size ---

TOO_LARGE = "The configuration is larger than 1,024 KB, the most a partner configuration may be."


def padded_to(size: int) -> bytes:
    """Threadline's file as JSON, padded with trailing spaces to exactly `size` bytes."""
    raw = json.dumps(threadline_file()).encode()
    return raw + b" " * (size - len(raw))


def test_a_file_over_the_cap_is_refused_after_reading_one_byte_past_it():
    source = io.BytesIO(padded_to(50 * 1024 * 1024))

    with pytest.raises(ConfigFileUnreadable) as refused:
        partner_config_read(source)

    assert str(refused.value) == TOO_LARGE
    assert source.tell() == MAX_CONFIG_BYTES + 1


def test_a_file_of_exactly_the_cap_is_read():
    assert partner_config_read(io.BytesIO(padded_to(MAX_CONFIG_BYTES))) == threadline_file()


# --- Management commands ---


def test_export_partner_writes_the_export_to_a_file(onboarded, tmp_path, capsys):
    target = tmp_path / "threadline.json"

    call_command("export_partner", "threadline", "--output", str(target))

    assert json.loads(target.read_text()) == partner_config_export(onboarded["threadline"])
    assert capsys.readouterr().err == f"Wrote Threadline to {target}.\n"
    assert SANDBOX_CREDENTIALS[PartnerName.THREADLINE]["api_key"] not in target.read_text()


def test_export_partner_prints_to_stdout_without_a_file(onboarded, capsys):
    call_command("export_partner", "hearth")

    assert json.loads(capsys.readouterr().out) == partner_config_export(onboarded["hearth"])


def test_export_partner_of_an_unknown_slug_fails():
    with pytest.raises(CommandError) as failed:
        call_command("export_partner", "nobody")

    assert str(failed.value) == "No partner with the slug 'nobody'."


def test_import_partner_creates_a_draft_from_a_file(tmp_path, capsys):
    source = tmp_path / "stridewell.json"
    source.write_text(json.dumps(sandbox_config(PartnerName.STRIDEWELL)))

    call_command("import_partner", str(source), "--base-url", "http://127.0.0.1:9912")

    partner = Partner.objects.get()
    assert (partner.slug, partner.status, partner.base_url) == (
        "stridewell",
        Partner.Status.DRAFT,
        "http://127.0.0.1:9912",
    )
    assert partner.operations.count() == 6
    assert capsys.readouterr().out == ("Imported Stridewell (draft, configuration version 2).\n")


def test_import_partner_with_errors_fails_listing_them_and_writes_nothing(tmp_path):
    source = tmp_path / "bad.json"
    data = threadline_file()
    data["partner"]["base_url"] = "not a url"
    data["operations"].append(copy.deepcopy(lookup_of(data)))
    source.write_text(json.dumps(data))

    with pytest.raises(CommandError) as failed:
        call_command("import_partner", str(source))

    assert str(failed.value) == (
        "The configuration was not imported:\n"
        "partner · base_url: Enter a valid URL.\n"
        "operations: lookup appears more than once"
    )
    assert_nothing_written()


def test_import_partner_of_a_file_that_is_not_json_fails(tmp_path):
    source = tmp_path / "broken.json"
    source.write_text('{"format": ')

    with pytest.raises(CommandError) as failed:
        call_command("import_partner", str(source))

    assert str(failed.value).startswith(f"Cannot read {source}: Not valid JSON: Expecting value")
    assert_nothing_written()


def test_import_partner_refuses_a_file_over_the_cap_naming_it(tmp_path):
    source = tmp_path / "large.json"
    source.write_bytes(padded_to(MAX_CONFIG_BYTES + 1))

    with pytest.raises(CommandError) as failed:
        call_command("import_partner", str(source))

    assert str(failed.value) == f"Cannot read {source}: {TOO_LARGE}"
    assert_nothing_written()


# --- Key rotation ---


def test_rotation_re_encrypts_so_the_new_key_alone_decrypts(settings, capsys):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PARTNER_CREDENTIAL_KEYS = [old_key]
    partner = partner_config_import(data=sandbox_config(PartnerName.HEARTH))
    values = {"username": "hh-user", "password": "hh-rotated-pass"}
    partner_credentials_set(partner=partner, values=values)
    settings.PARTNER_CREDENTIAL_KEYS = [new_key]
    with pytest.raises(CredentialsUnreadable):
        credentials_decrypt(PartnerCredentials.objects.get().encrypted)
    settings.PARTNER_CREDENTIAL_KEYS = [new_key, old_key]

    call_command("rotate_partner_credentials")

    settings.PARTNER_CREDENTIAL_KEYS = [new_key]
    assert credentials_decrypt(PartnerCredentials.objects.get().encrypted) == values
    assert capsys.readouterr().out == "Re-encrypted the credentials of 1 partners.\n"
