"""The partner admin as a merchandiser uses it: add with credentials, test the connection against
the running sandbox, preview a mapping, move the status, export and import; and who may not."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partners.config_files import MAX_CONFIG_BYTES, partner_config_export
from partners.crypto import credentials_decrypt
from partners.models import (
    OperationConfig,
    Partner,
    PartnerCall,
    PartnerCredentials,
    PartnerLiveVersion,
)
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import SANDBOX_CREDENTIALS, sandbox_config
from partners.services import partner_status_change
from stores.roles import Role
from tests.partners.admin_pages import (
    change_page_form,
    messages_of,
    operation_config_form,
    page_text,
    url,
)
from tests.partners.http.helpers import carried_gtin
from tests.partners.sandbox.picks import UNKNOWN_GTIN

pytestmark = pytest.mark.django_db

SLUGS = [name.value for name in PartnerName]
STORED = "Stored — leave blank to keep it."


def calls_of(partner: Partner) -> list[tuple]:
    return list(
        PartnerCall.objects.filter(partner=partner)
        .exclude(operation="oauth_token")
        .order_by("pk")
        .values_list("operation", "status_code", "outcome", "attempt")
    )


# --- Pages render ---


def test_the_changelist_lists_every_partner(merchandiser, onboarded):
    response = merchandiser.get(url("changelist"))

    assert response.status_code == 200
    assert [partner.slug for partner in response.context["cl"].result_list] == SLUGS
    assert url("import") in response.content.decode()


@pytest.mark.parametrize("slug", SLUGS)
def test_the_change_page_never_shows_a_stored_secret_but_says_it_is_stored(
    merchandiser, onboarded, slug
):
    secrets = SANDBOX_CREDENTIALS[PartnerName(slug)]

    response = merchandiser.get(url("change", onboarded[slug].pk))

    text = page_text(response)
    assert response.status_code == 200
    assert [value for value in secrets.values() if value in text] == []
    assert text.count(STORED) == len(secrets)
    assert "Status: Live" in text


# --- Adding a partner ---


def add_form(**changes) -> dict:
    lookup = next(
        op
        for op in sandbox_config(PartnerName.THREADLINE)["operations"]
        if op["operation"] == "lookup"
    )
    return {
        "name": "Loomhouse",
        "slug": "loomhouse",
        "priority": "50",
        "categories": '["apparel"]',
        "contact_email": "api@loomhouse.example",
        "adapter": "declarative",
        "base_url": "https://api.loomhouse.example",
        "connect_timeout_ms": "1000",
        "read_timeout_ms": "3000",
        "read_attempts": "3",
        "max_concurrent_requests": "8",
        "max_response_kb": "2048",
        "auth_type": "api_key_header",
        "api_key_name": "X-Api-Key",
        "oauth_token_url": "",
        "oauth_scope": "",
        "hmac_header_name": "X-Signature",
        "hmac_signed_parts": "method,path,timestamp,body",
        "secret_api_key": "lh-live-key-7731",
        "lookup_kind": "product",
        "deduplication": "idempotency_key_header",
        "idempotency_header_name": "Idempotency-Key",
        # The facts' defaults, as the browser posts them.
        "status_poll_interval_seconds": "900",
        "webhook_signature_scheme": "body",
        "webhook_signature_header": "X-Signature",
        "webhook_timestamp_header": "X-Timestamp",
        "webhook_replay_window_seconds": "300",
        "operations-TOTAL_FORMS": "1",
        "operations-INITIAL_FORMS": "0",
        "operations-MIN_NUM_FORMS": "0",
        "operations-MAX_NUM_FORMS": "1000",
        "operations-0-operation": "lookup",
        "operations-0-method": "GET",
        "operations-0-path_template": lookup["path_template"],
        "operations-0-headers": json.dumps(lookup["headers"]),
        "operations-0-body_format": "json",
        "operations-0-accepted_statuses": "[404]",
        "operations-0-request_mapping": "",
        "operations-0-response_mapping": lookup["response_mapping"],
        "_save": "Save",
        **changes,
    }


def test_adding_a_partner_with_an_api_key_stores_it_encrypted_and_bumps_the_version(
    merchandiser,
):
    response = merchandiser.post(url("add"), add_form())

    assert response.status_code == 302
    partner = Partner.objects.get(slug="loomhouse")
    assert partner.status == Partner.Status.DRAFT
    assert partner.config_version == 2
    assert list(partner.operations.values_list("operation", flat=True)) == ["lookup"]
    stored = PartnerCredentials.objects.get(partner=partner).encrypted
    assert "lh-live-key-7731" not in stored
    assert credentials_decrypt(stored) == {"api_key": "lh-live-key-7731"}


def test_a_secret_the_auth_type_does_not_use_is_refused_and_nothing_is_saved(merchandiser):
    response = merchandiser.post(url("add"), add_form(secret_password="hh-unused-pass"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "secret_password": ["Not used by the chosen authentication."]
    }
    assert not Partner.objects.exists()
    assert not PartnerCredentials.objects.exists()


def test_saving_the_change_form_with_blank_secrets_keeps_the_stored_ones(merchandiser):
    merchandiser.post(url("add"), add_form())
    partner = Partner.objects.get(slug="loomhouse")
    config = partner.operations.get()
    form = add_form(
        name="Loomhouse UK",
        secret_api_key="",
        **{"operations-INITIAL_FORMS": "1", "operations-0-id": str(config.pk)},
        **{"operations-0-partner": str(partner.pk)},
    )

    response = merchandiser.post(url("change", partner.pk), form)

    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.name == "Loomhouse UK"
    assert partner.config_version == 3
    assert credentials_decrypt(partner.credentials.encrypted) == {"api_key": "lh-live-key-7731"}


# --- Test connection against the running sandbox ---


def test_connection_passes_and_shows_raw_response_and_mapped_result(
    merchandiser, onboarded, sandbox
):
    partner = onboarded["threadline"]
    gtin = carried_gtin(sandbox.threadline)
    offer = sandbox.threadline.catalog.offers[0]

    response = merchandiser.post(
        url("test_connection", partner.pk), {"operation": "lookup", "value": gtin}
    )

    result = response.context["result"]
    text = page_text(response)
    assert "Passed: Threadline answered and the mapping fits." in text
    assert result.request_line == f"GET /v1/products/by-barcode/{gtin}"
    assert result.status == 200
    assert json.loads(result.raw_body)["product_number"] == offer.product_number
    assert json.loads(result.mapped)["partner_product_id"] == offer.product_number
    assert json.loads(result.canonical)["name"] == offer.product.name
    assert result.raw_body in text
    assert result.mapped in text
    assert calls_of(partner) == [("lookup", 200, "ok", 1)]


def test_connection_for_a_barcode_the_partner_lacks_says_not_carried(merchandiser, onboarded):
    partner = onboarded["threadline"]

    response = merchandiser.post(
        url("test_connection", partner.pk), {"operation": "lookup", "value": UNKNOWN_GTIN}
    )

    assert f"Passed: Threadline answered: {UNKNOWN_GTIN} is not carried." in page_text(response)
    assert response.context["result"].canonical == ""
    assert calls_of(partner) == [("lookup", 404, "not_found", 1)]


def test_connection_when_the_partner_fails_shows_failed_and_logs_each_attempt(
    merchandiser, onboarded, sandbox
):
    partner = onboarded["threadline"]
    sandbox.threadline.faults_set("5xx", count=5)

    response = merchandiser.post(
        url("test_connection", partner.pk),
        {"operation": "lookup", "value": carried_gtin(sandbox.threadline)},
    )

    text = page_text(response)
    assert "Failed: The partner failed to answer (HTTP 503)." in text
    assert response.context["result"].ok is False
    assert calls_of(partner) == [("lookup", 503, "unavailable", attempt) for attempt in (1, 2, 3)]


def test_connection_with_a_malformed_answer_shows_failed_and_a_bad_response_call(
    merchandiser, onboarded, sandbox
):
    partner = onboarded["threadline"]
    sandbox.threadline.faults_set("malformed", count=1)

    response = merchandiser.post(
        url("test_connection", partner.pk),
        {"operation": "lookup", "value": carried_gtin(sandbox.threadline)},
    )

    result = response.context["result"]
    assert result.ok is False
    assert result.summary.startswith("Threadline answered badly: the answer is not valid JSON: ")
    assert f"Failed: {result.summary}" in page_text(response)
    assert calls_of(partner) == [("lookup", 200, "bad_response", 1)]


# --- Preview mapping ---

SAMPLE = {
    "product_number": "TL-900",
    "name": "Harbour Boot",
    "brand": "Threadline",
    "currency": "GBP",
    "dispatch_days": 3,
    "images": [],
    "variants": [
        {
            "sku": "TL-900-42",
            "gtin": UNKNOWN_GTIN,
            "size": "42",
            "colour": "Black",
            "price_cents": 4999,
            "rrp_cents": 8900,
            "stock": 3,
        }
    ],
}


def preview_form(partner: Partner, **changes) -> dict:
    return {
        "operation": "lookup",
        "direction": "response",
        "input_format": "json",
        "status": "200",
        "expression": partner.operations.get(operation="lookup").response_mapping,
        "code": UNKNOWN_GTIN,
        "quantity": "1",
        "sample": json.dumps(SAMPLE),
        **changes,
    }


def test_preview_of_a_pasted_sample_shows_the_canonical_result(merchandiser, onboarded):
    partner = onboarded["threadline"]

    response = merchandiser.post(url("preview_mapping", partner.pk), preview_form(partner))

    canonical = json.loads(response.context["canonical_text"])
    assert "The mapping fits" in page_text(response)
    assert canonical["partner_product_id"] == "TL-900"
    assert canonical["variants"][0]["partner_sku"] == "TL-900-42"
    assert (canonical["variants"][0]["cost"], canonical["variants"][0]["msrp"]) == ("49.99", "89")
    assert response.context["canonical_text"] in page_text(response)
    assert PartnerCall.objects.count() == 0


def test_preview_of_a_broken_sample_names_the_input(merchandiser, onboarded):
    partner = onboarded["threadline"]

    response = merchandiser.post(
        url("preview_mapping", partner.pk), preview_form(partner, sample='{"name": ')
    )

    text = page_text(response)
    assert "Problems found" in text
    assert "input: the sample is not valid JSON: Expecting value: line 1 column 9 (char 8)" in text
    assert response.context["canonical_text"] == ""


def test_preview_of_a_mapping_with_wrong_fields_names_each_field(merchandiser, onboarded):
    partner = onboarded["threadline"]
    expression = '{"partner_product_id": body.product_number, "name": 5, "colour": "red"}'

    response = merchandiser.post(
        url("preview_mapping", partner.pk), preview_form(partner, expression=expression)
    )

    text = page_text(response)
    assert "Problems found" in text
    assert "shape · name: must be text (got 5)" in text
    assert "shape · colour: is not a field we know (" in text
    assert response.context["canonical_text"] == ""


# --- Status ---


def test_the_status_button_moves_a_draft_to_testing(merchandiser, draft_threadline):
    response = merchandiser.post(url("status", draft_threadline.pk), {"status": "testing"})

    assert response.status_code == 302
    assert response["Location"] == url("change", draft_threadline.pk)
    assert messages_of(response) == ["Threadline is now testing."]
    draft_threadline.refresh_from_db()
    assert draft_threadline.status == Partner.Status.TESTING


def test_going_live_without_a_lookup_mapping_is_refused_with_a_message(
    merchandiser, draft_threadline
):
    partner_status_change(partner=draft_threadline, status=Partner.Status.TESTING)
    draft_threadline.operations.filter(operation="lookup").delete()

    response = merchandiser.post(url("status", draft_threadline.pk), {"status": "live"})

    assert messages_of(response) == [
        "Cannot go live: Look up by code: not configured Credentials: API key not set "
        "Search by name: no Test connection yet Similar items: no Test connection yet "
        "Order status: no Test connection yet Place order: send a test order on configuration "
        "version 2 (or, for a partner without a test mode, sign orders off) "
        "Webhook secret: not stored; enter or generate one"
    ]
    draft_threadline.refresh_from_db()
    assert draft_threadline.status == Partner.Status.TESTING


def test_the_change_page_lists_what_stops_going_live(merchandiser, draft_threadline):
    draft_threadline.operations.filter(operation="place_order").delete()

    response = merchandiser.get(url("change", draft_threadline.pk))

    assert response.context["go_live_problems"] == [
        "Place order: not configured",
        "Credentials: API key not set",
        "Look up by code: no Test connection yet",
        "Search by name: no Test connection yet",
        "Similar items: no Test connection yet",
        "Order status: no Test connection yet",
        "Webhook secret: not stored; enter or generate one",
    ]
    links = [problem.link for problem in response.context["go_live_problems"]]
    assert links[:3] == [
        url("change", draft_threadline.pk),
        url("change", draft_threadline.pk),
        url("test_connection", draft_threadline.pk) + "?operation=lookup",
    ]
    assert links[-1] == url("webhook_secret", draft_threadline.pk)
    assert response.context["next_statuses"] == [Partner.Status.TESTING]
    assert "Place order: not configured" in page_text(response)


def test_the_history_page_lists_status_changes(merchandiser, proven):
    partner = proven()
    merchandiser.post(url("status", partner.pk), {"status": "live"})

    response = merchandiser.get(url("history", partner.pk))

    assert response.status_code == 200
    assert [[change.summary for change in entry.changes] for entry in response.context["entries"]][
        :2
    ] == [["Status: Testing → Live"], ["Status: Draft → Testing"]]


def test_who_took_a_partner_live_is_recorded_with_its_live_version(merchandiser, proven):
    partner = proven()

    response = merchandiser.post(url("status", partner.pk), {"status": "live"})

    live = PartnerLiveVersion.objects.get(partner=partner)
    assert live.promoted_by == response.wsgi_request.user
    assert live.config_version == partner.config_version


# --- Export and import ---


def test_export_downloads_the_configuration_without_secrets(merchandiser, onboarded):
    partner = onboarded["stridewell"]

    response = merchandiser.get(url("export", partner.pk))

    text = response.content.decode()
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="stridewell.json"'
    assert json.loads(text) == partner_config_export(partner)
    assert [
        value for value in SANDBOX_CREDENTIALS[PartnerName.STRIDEWELL].values() if value in text
    ] == []


def test_import_of_pasted_json_creates_a_draft_partner(merchandiser):
    response = merchandiser.post(
        url("import"), {"text": json.dumps(sandbox_config(PartnerName.HEARTH))}
    )

    partner = Partner.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("change", partner.pk)
    assert messages_of(response) == [
        "Imported Hearth & Home (credentials are not imported).",
        "Enter or generate its webhook secret.",
    ]
    assert (partner.slug, partner.status) == ("hearth", Partner.Status.DRAFT)
    assert partner.operations.count() == 6
    assert not PartnerCredentials.objects.exists()


def test_import_of_a_bad_file_shows_errors_naming_the_fields_and_creates_nothing(merchandiser):
    data = sandbox_config(PartnerName.HEARTH)
    data["partner"]["base_url"] = "ftp:/nowhere"
    data["operations"][0]["response_mapping"] = "body.(name"

    response = merchandiser.post(url("import"), {"text": json.dumps(data)})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "partner · base_url: Enter a valid URL.",
        "lookup response mapping: syntax error at line 1, "
        "column 11 (position 10): Expected ) before end of expression",
    ]
    assert "partner · base_url: Enter a valid URL." in page_text(response)
    assert not Partner.objects.exists()
    assert not OperationConfig.objects.exists()


def test_import_of_text_that_is_not_json_says_so(merchandiser):
    response = merchandiser.post(url("import"), {"text": "{not json"})

    assert response.context["form"].non_field_errors() == [
        "Not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 "
        "(char 1)"
    ]
    assert not Partner.objects.exists()


def test_import_of_an_upload_over_the_cap_says_so_and_creates_nothing(merchandiser):
    raw = json.dumps(sandbox_config(PartnerName.HEARTH)).encode()
    upload = SimpleUploadedFile(
        "hearth.json", raw + b" " * (MAX_CONFIG_BYTES + 1 - len(raw)), "application/json"
    )

    response = merchandiser.post(url("import"), {"file": upload})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The configuration is larger than 1,024 KB, the most a partner configuration may be."
    ]
    assert not Partner.objects.exists()


def test_import_of_a_wrongly_typed_value_names_the_field_and_creates_nothing(merchandiser):
    data = sandbox_config(PartnerName.HEARTH)
    data["partner"]["categories"] = "home"

    response = merchandiser.post(url("import"), {"text": json.dumps(data)})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "partner · categories: must be a list of texts, not text"
    ]
    assert not Partner.objects.exists()


# --- Who may not ---


def partner_views(partner: Partner) -> list[str]:
    return [
        url("changelist"),
        url("add"),
        url("change", partner.pk),
        url("history", partner.pk),
        url("test_connection", partner.pk),
        url("preview_mapping", partner.pk),
        url("status", partner.pk),
        url("pending", partner.pk),
        url("retire", partner.pk),
        url("export", partner.pk),
        url("import"),
        url("delete", partner.pk),
    ]


@pytest.mark.parametrize("role", [Role.ASSOCIATE, Role.KIOSK, Role.MANAGER, None])
def test_other_roles_are_sent_to_the_admin_login_from_every_partner_view(
    client, user_in_role, draft_threadline, role
):
    if role is not None:
        client.force_login(user_in_role(role))

    for path in partner_views(draft_threadline):
        got, posted = client.get(path), client.post(path, {"status": "testing"})
        login = f"{reverse('admin:login')}?next={path}"
        assert (got.status_code, got["Location"]) == (302, login), path
        assert (posted.status_code, posted["Location"]) == (302, login), path
    draft_threadline.refresh_from_db()
    assert draft_threadline.status == Partner.Status.DRAFT
    assert Partner.objects.count() == 1
    assert PartnerCall.objects.count() == 0


def test_a_merchandiser_cannot_delete_a_partner_that_was_called(merchandiser, draft_threadline):
    PartnerCall.objects.create(
        partner=draft_threadline,
        operation="lookup",
        method="GET",
        path="/v1/products/by-barcode/5012345678900",
        outcome=PartnerCall.Outcome.OK,
        config_version=draft_threadline.config_version,
    )

    page = merchandiser.get(url("delete", draft_threadline.pk))
    posted = merchandiser.post(url("delete", draft_threadline.pk), {"post": "yes"})
    changelist = merchandiser.get(url("changelist"))

    assert page.status_code == 403
    assert posted.status_code == 403
    assert "delete_selected" not in changelist.content.decode()
    assert Partner.objects.filter(pk=draft_threadline.pk).exists()


# --- Known bugs ---


def test_operation_configs_are_read_only_outside_their_partners_page(merchandiser, onboarded):
    config = onboarded["threadline"].operations.get(operation="similar")

    delete = merchandiser.post(url_of_config("delete", config.pk), {"post": "yes"})
    change = merchandiser.post(url_of_config("change", config.pk), operation_config_form(config))
    add = merchandiser.get(reverse("admin:partners_operationconfig_add"))
    history = merchandiser.get(url_of_config("history", config.pk))

    assert (delete.status_code, change.status_code, add.status_code) == (403, 403, 403)
    assert history.status_code == 302
    assert history["Location"] == url("history", config.partner_id)
    assert OperationConfig.objects.filter(pk=config.pk).exists()


def test_removing_an_operation_on_the_partners_page_bumps_the_config_version(
    merchandiser, draft_threadline
):
    version = draft_threadline.config_version

    response = merchandiser.post(
        url("change", draft_threadline.pk), change_page_form(draft_threadline, delete=["similar"])
    )

    draft_threadline.refresh_from_db()
    assert response.status_code == 302
    assert not draft_threadline.operations.filter(operation="similar").exists()
    assert draft_threadline.config_version == version + 1


def test_a_live_partner_keeps_lookup_while_live(merchandiser, onboarded):
    partner = onboarded["threadline"]

    response = merchandiser.post(
        url("change", partner.pk), change_page_form(partner, delete=["lookup"])
    )

    assert response.status_code == 200
    assert "A live partner needs Look up by code: pause it before removing them." in page_text(
        response
    )
    assert partner.operations.filter(operation="lookup").exists()


def test_a_live_partners_mapping_cannot_be_replaced_by_one_that_does_not_compile(
    merchandiser, onboarded
):
    partner = onboarded["threadline"]
    mapping = partner.operations.get(operation="lookup").response_mapping

    response = merchandiser.post(
        url("change", partner.pk), change_page_form(partner, lookup="body.(name")
    )

    assert response.status_code == 200
    assert "lookup response mapping: syntax error" in page_text(response)
    assert partner.operations.get(operation="lookup").response_mapping == mapping


def test_history_cannot_revert_a_partner(merchandiser, onboarded):
    partner = onboarded["threadline"]
    first = partner.history.earliest("history_date")

    response = merchandiser.post(
        reverse("admin:partners_partner_simple_history", args=[partner.pk, first.history_id]),
        {"name": "Reverted"},
    )

    partner.refresh_from_db()
    assert response.status_code == 403
    assert (partner.name, partner.status) == ("Threadline", Partner.Status.LIVE)


def url_of_config(view: str, pk: int) -> str:
    return reverse(f"admin:partners_operationconfig_{view}", args=[pk])


def test_the_history_shows_the_config_version_the_partner_is_at(merchandiser):
    merchandiser.post(url("add"), add_form())
    partner = Partner.objects.get(slug="loomhouse")

    response = merchandiser.get(url("history", partner.pk))

    entries = response.context["entries"]
    assert partner.config_version == 2
    assert [entry.version for entry in entries] == [2]
