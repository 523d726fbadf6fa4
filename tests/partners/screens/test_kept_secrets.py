"""A secret typed into the partner form survives a page that comes back with an error
elsewhere: never echoed in the HTML, kept encrypted, saved once the other field is fixed."""

import re
from html import unescape

import pytest

from partners.crypto import credentials_decrypt
from partners.models import Partner, PartnerCredentials
from stores.roles import Role
from tests.partners.admin_pages import url
from tests.partners.test_admin import add_form

pytestmark = pytest.mark.django_db

KEY = "lh-live-key-7731"
KEPT = "Kept from the form you sent (not shown)"


def kept_token(response) -> str:
    match = re.search(r'name="kept_secrets" value="([^"]+)"', response.content.decode())
    assert match, "the page keeps no secrets"
    return unescape(match.group(1))


def test_a_typed_api_key_is_kept_but_not_shown_when_another_field_fails(merchandiser):
    # Given a new partner whose priority is not a number, with its API key typed
    response = merchandiser.post(url("add"), add_form(priority="soon"))

    # Then the page comes back with the error, says the key is kept, never shows it
    text = unescape(response.content.decode())
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"priority": ["Enter a whole number."]}
    assert KEY not in text
    assert KEPT in text
    assert not Partner.objects.exists()

    # When the priority is fixed and the key left blank, as the browser sends it
    fixed = merchandiser.post(
        url("add"), add_form(secret_api_key="", kept_secrets=kept_token(response))
    )

    # Then the partner is saved with the key typed the first time
    assert fixed.status_code == 302
    partner = Partner.objects.get(slug="loomhouse")
    assert credentials_decrypt(partner.credentials.encrypted) == {"api_key": KEY}


def test_a_secret_header_is_kept_across_an_error_in_an_operation(merchandiser):
    # Given the lookup operation's path is missing, with a secret header typed
    form = add_form(
        secret_headers="X-Partner-Token: tok-9912-secret",
        **{"operations-0-path_template": ""},
    )
    response = merchandiser.post(url("add"), form)

    assert response.status_code == 200
    assert "tok-9912-secret" not in response.content.decode()
    assert not PartnerCredentials.objects.exists()

    # When the path is given and the textarea is empty again
    fixed = merchandiser.post(
        url("add"),
        add_form(secret_headers="", kept_secrets=kept_token(response)),
    )

    # Then both the key and the header are stored
    assert fixed.status_code == 302
    partner = Partner.objects.get(slug="loomhouse")
    assert partner.secret_header_names == ["X-Partner-Token"]
    assert credentials_decrypt(partner.credentials.encrypted) == {
        "api_key": KEY,
        "secret_headers": {"X-Partner-Token": "tok-9912-secret"},
    }


def test_a_newly_typed_value_replaces_the_kept_one(merchandiser):
    response = merchandiser.post(url("add"), add_form(priority="soon"))

    merchandiser.post(
        url("add"), add_form(secret_api_key="lh-new-key-0002", kept_secrets=kept_token(response))
    )

    partner = Partner.objects.get(slug="loomhouse")
    assert credentials_decrypt(partner.credentials.encrypted) == {"api_key": "lh-new-key-0002"}


def test_kept_secrets_open_only_for_the_user_who_typed_them(merchandiser, client, user_in_role):
    # Given a token kept for one merchandiser
    token = kept_token(merchandiser.post(url("add"), add_form(priority="soon")))

    # When another merchandiser posts it
    client.force_login(user_in_role(Role.MERCHANDISER, stores=[], username="other"))
    response = client.post(url("add"), add_form(secret_api_key="", kept_secrets=token))

    # Then the partner is saved without the key
    assert response.status_code == 302
    partner = Partner.objects.get(slug="loomhouse")
    assert not PartnerCredentials.objects.filter(partner=partner).exclude(encrypted="").exists()


def test_an_altered_token_keeps_nothing(merchandiser):
    token = kept_token(merchandiser.post(url("add"), add_form(priority="soon")))

    merchandiser.post(url("add"), add_form(secret_api_key="", kept_secrets=token[:-4] + "AAAA"))

    partner = Partner.objects.get(slug="loomhouse")
    assert not PartnerCredentials.objects.filter(partner=partner).exclude(encrypted="").exists()


def test_a_typed_webhook_secret_is_kept_but_not_shown_when_another_field_fails(merchandiser):
    # Given a new partner whose status comes by webhook, its secret typed, its priority wrong
    webhook = {"status_delivery": "webhook", "webhook_signature_scheme": "body"}
    secret = "wh-secret-typed-0042-abcdef"
    response = merchandiser.post(
        url("add"), add_form(priority="soon", webhook_secret=secret, **webhook)
    )

    # Then the page says the secret is kept and never shows it; nothing is saved
    text = unescape(response.content.decode())
    assert response.context["adminform"].form.errors == {"priority": ["Enter a whole number."]}
    assert secret not in text
    assert text.count(KEPT) == 2  # the API key and the webhook secret
    assert not Partner.objects.exists()

    # When the priority is fixed and the secret left blank, as the browser sends it
    fixed = merchandiser.post(
        url("add"),
        add_form(
            secret_api_key="", webhook_secret="", kept_secrets=kept_token(response), **webhook
        ),
    )

    # Then the partner is saved with the webhook secret typed the first time
    assert fixed.status_code == 302
    partner = Partner.objects.get(slug="loomhouse")
    assert credentials_decrypt(partner.credentials.encrypted) == {
        "api_key": KEY,
        "webhook_secret": secret,
    }
