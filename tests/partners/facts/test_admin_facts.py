"""The facts in the partner admin: the fieldset, the checks on save, and the webhook secret,
which is write-only, generated on request and shown once, and never echoed, exported or logged."""

import json
import logging
from decimal import Decimal

import pytest

from partners.crypto import credentials_decrypt
from partners.models import Partner, PartnerCredentials
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import sandbox_config
from partners.sandbox.webhooks import DEFAULT_WEBHOOK_SECRET
from partners.webhook_secrets import partner_webhook_secret
from stores.roles import Role
from tests.partners.admin_pages import change_page_form, messages_of, page_text, url

pytestmark = pytest.mark.django_db

TYPED_SECRET = "typed-by-the-merchandiser-0123456789"
FIELDSET = "What the partner ships and how it tells us"


@pytest.fixture
def all_logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def stored_credentials(partner: Partner) -> dict:
    return credentials_decrypt(PartnerCredentials.objects.get(partner=partner).encrypted)


def logged(caplog) -> str:
    return "\n".join(record.getMessage() for record in caplog.records)


# --- The change page ---


def test_the_change_page_shows_the_facts_and_never_the_stored_webhook_secret(
    merchandiser, onboarded
):
    baywater = onboarded["baywater"]

    response = merchandiser.get(url("change", baywater.pk))

    text = page_text(response)
    form = response.context["adminform"].form
    assert response.status_code == 200
    assert FIELDSET in text
    assert DEFAULT_WEBHOOK_SECRET not in text
    assert form["webhook_secret"].value() is None
    assert form.fields["webhook_secret"].help_text.startswith(
        "Stored, never shown again; leave blank to keep it."
    )
    assert url("webhook_secret", baywater.pk) in text
    assert [str(country) for country in form["ships_to"].value()] == ["GB"]
    assert form["shipping_amount"].value() == Decimal("4.50")
    assert form["webhook_signature_scheme"].value() == "timestamp_body"


def test_a_typed_webhook_secret_is_stored_encrypted_and_never_shown(
    merchandiser, onboarded, all_logs
):
    hearth = onboarded["hearth"]
    data = change_page_form(hearth) | {"webhook_secret": TYPED_SECRET}

    response = merchandiser.post(url("change", hearth.pk), data, follow=True)

    raw = PartnerCredentials.objects.get(partner=hearth).encrypted
    hearth.refresh_from_db()
    assert response.status_code == 200
    assert partner_webhook_secret(hearth) == TYPED_SECRET
    assert TYPED_SECRET not in raw
    assert TYPED_SECRET not in page_text(response)
    assert TYPED_SECRET not in logged(all_logs)
    assert hearth.webhook_secret_set_at is not None
    history = hearth.history.order_by("-history_id").values()[0]
    assert TYPED_SECRET not in json.dumps(history, default=str)


def test_setting_the_other_credentials_keeps_the_webhook_secret(merchandiser, onboarded):
    hearth = onboarded["hearth"]
    data = change_page_form(hearth) | {"secret_password": "a-new-password"}

    merchandiser.post(url("change", hearth.pk), data)

    stored = stored_credentials(hearth)
    assert stored["password"] == "a-new-password"
    assert stored["webhook_secret"] == DEFAULT_WEBHOOK_SECRET


@pytest.mark.parametrize(
    ("slug", "typed", "message"),
    [
        ("hearth", "short", "Too short to be safe: at least 16 characters (or generate one)."),
        ("stridewell", TYPED_SECRET, "Only used with a webhook: choose Webhook above."),
    ],
)
def test_a_webhook_secret_that_cannot_be_used_is_refused_and_not_echoed(
    merchandiser, onboarded, slug, typed, message
):
    partner = onboarded[slug]
    before = PartnerCredentials.objects.get(partner=partner).encrypted
    data = change_page_form(partner) | {"webhook_secret": typed}

    response = merchandiser.post(url("change", partner.pk), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"webhook_secret": [message]}
    assert f'value="{typed}"' not in response.content.decode()
    assert PartnerCredentials.objects.get(partner=partner).encrypted == before


def test_inconsistent_facts_are_refused_on_their_fields_and_nothing_is_saved(
    merchandiser, onboarded
):
    stridewell = onboarded["stridewell"]
    data = change_page_form(stridewell) | {
        "shipping_rule": "per_order",
        "shipping_amount": "",
        "shipping_currency": "gbp",
        "ships_to": ["GB", "XX"],
    }

    response = merchandiser.post(url("change", stridewell.pk), data)

    stridewell.refresh_from_db()
    assert response.context["adminform"].form.errors == {
        "ships_to": ["Select a valid choice. XX is not one of the available choices."],
        "shipping_amount": ["Give the charge, e.g. 4.95."],
        "shipping_currency": ["'gbp' is not an ISO 4217 currency code (e.g. GBP, EUR)."],
    }
    assert (stridewell.shipping_rule, stridewell.shipping_amount) == ("per_item", Decimal("2.50"))


def test_facts_are_saved_from_the_change_page(merchandiser, onboarded):
    stridewell = onboarded["stridewell"]
    data = change_page_form(stridewell) | {
        "ships_to": ["GB", "IE"],
        "shipping_rule": "per_order",
        "shipping_amount": "5",
        "shipping_free_above": "60",
        "status_poll_interval_seconds": "600",
    }

    response = merchandiser.post(url("change", stridewell.pk), data)

    stridewell.refresh_from_db()
    assert response.status_code == 302
    assert [country.code for country in stridewell.ships_to] == ["GB", "IE"]
    assert (stridewell.shipping_amount, stridewell.shipping_free_above) == (
        Decimal("5.00"),
        Decimal("60.00"),
    )
    assert stridewell.status_poll_interval_seconds == 600


# --- Generating a secret ---


def test_the_generate_page_asks_first_and_changes_nothing(merchandiser, onboarded):
    hearth = onboarded["hearth"]

    response = merchandiser.get(url("webhook_secret", hearth.pk))

    assert response.status_code == 200
    assert "Generate a new webhook secret" in page_text(response)
    assert partner_webhook_secret(hearth) == DEFAULT_WEBHOOK_SECRET


def test_a_generated_secret_is_shown_once_and_stored(merchandiser, onboarded, all_logs):
    hearth = onboarded["hearth"]

    response = merchandiser.post(url("webhook_secret", hearth.pk))

    secret = response.context["secret"]
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"].split(", ")  # admin pages are never cached
    assert len(secret) == 43
    assert secret in page_text(response)
    assert partner_webhook_secret(hearth) == secret
    later_pages = [
        merchandiser.get(url("change", hearth.pk)),
        merchandiser.get(url("webhook_secret", hearth.pk)),
        merchandiser.get(url("export", hearth.pk)),
        merchandiser.get(url("history", hearth.pk)),
    ]
    assert [page.status_code for page in later_pages] == [200, 200, 200, 200]
    assert [page for page in later_pages if secret in page_text(page)] == []
    assert secret not in logged(all_logs)


def test_each_generated_secret_is_new(merchandiser, onboarded):
    hearth = onboarded["hearth"]

    first = merchandiser.post(url("webhook_secret", hearth.pk)).context["secret"]
    second = merchandiser.post(url("webhook_secret", hearth.pk)).context["secret"]

    assert first != second
    assert partner_webhook_secret(hearth) == second


def test_a_partner_on_polling_is_warned_its_secret_is_unused(merchandiser, onboarded):
    response = merchandiser.get(url("webhook_secret", onboarded["stridewell"].pk))

    assert "Stridewell does not send its order status by webhook yet" in page_text(response)


def test_who_may_not_change_partners_cannot_generate_a_secret(client, user_in_role, onboarded):
    client.force_login(user_in_role(Role.MANAGER))
    hearth = onboarded["hearth"]

    response = client.post(url("webhook_secret", hearth.pk))

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert partner_webhook_secret(hearth) == DEFAULT_WEBHOOK_SECRET


# --- Import ---


def test_importing_a_webhook_partner_asks_for_its_secret(merchandiser):
    response = merchandiser.post(
        url("import"), {"text": json.dumps(sandbox_config(PartnerName.BAYWATER))}
    )

    partner = Partner.objects.get()
    assert messages_of(response) == [
        "Imported Baywater Wholesale (credentials are not imported).",
        "Enter or generate its webhook secret.",
    ]
    assert partner.status_delivery == Partner.StatusDelivery.WEBHOOK
    assert partner_webhook_secret(partner) is None


def test_importing_a_polled_partner_asks_for_no_webhook_secret(merchandiser):
    response = merchandiser.post(
        url("import"), {"text": json.dumps(sandbox_config(PartnerName.STRIDEWELL))}
    )

    assert messages_of(response) == ["Imported Stridewell (credentials are not imported)."]
