"""A live partner's runtime calls (`live_adapter_for`) use its live version while an edit waits
as a pending version, which the admin's test tools use; promote and discard, over real HTTP to
the sandbox partners."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.core.management import call_command

from partners.adapters.base import PartnerNotAcceptingWork
from partners.adapters.registry import live_adapter_for
from partners.config_files import partner_config_export
from partners.connection_test import partner_connection_test
from partners.crypto import credentials_decrypt
from partners.live_versions import PartnerNeverLive, partner_versions
from partners.models import Partner, PartnerCall, PartnerCredentials, PartnerLiveVersion
from partners.pending_versions import partner_pending_discard, partner_pending_promote
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import (
    SANDBOX_CREDENTIALS,
    sandbox_config,
    sandbox_partner_prove,
)
from partners.sandbox.webhooks import DEFAULT_WEBHOOK_SECRET as WEBHOOK_SECRET
from partners.services import (
    partner_config_bump,
    partner_config_import,
    partner_credentials_set,
    partner_status_change,
)
from partners.webhook_secrets import partner_webhook_secret_set
from tests.partners.pending.conftest import (
    LOOKUP_PATH,
    calls_of,
    fresh,
    proved,
    unproven_problems,
)

pytestmark = pytest.mark.django_db

RIGHT_KEY = SANDBOX_CREDENTIALS[PartnerName.THREADLINE]["api_key"]


def name_mapping(partner: Partner, prefix: str) -> None:
    """Make the lookup mapping prefix every product name, as an edit on the page would."""
    config = partner.operations.get(operation="lookup")
    config.response_mapping = config.response_mapping.replace(
        '"name": name', f'"name": "{prefix}" & name', 1
    )
    assert prefix in config.response_mapping
    config.save()
    partner_config_bump(partner=partner)


def test_a_mapping_edit_waits_while_the_live_version_answers_lookups(threadline, sandbox, gtin):
    live = threadline.config_version
    product_name = sandbox.threadline.catalog.by_gtin(gtin)[0].product.name

    name_mapping(threadline, "NEW ")
    served = live_adapter_for(fresh(threadline)).lookup(gtin)
    tested = partner_connection_test(partner=fresh(threadline), operation="lookup", value=gtin)

    assert fresh(threadline).config_version == live + 1
    assert served.name == product_name
    assert tested.ok is True
    assert f'"name": "NEW {product_name}"' in tested.canonical
    assert calls_of(threadline) == [
        ("lookup", LOOKUP_PATH.format(gtin), "ok", live),
        ("lookup", LOOKUP_PATH.format(gtin), "ok", live + 1),
    ]
    assert partner_versions(partner=fresh(threadline)).pending == live + 1


def test_a_base_url_edit_is_not_called_by_runtime_lookups_until_promoted(threadline, gtin):
    live = threadline.config_version
    threadline.base_url = "http://192.0.2.10:8080"  # not allow-listed: the guard refuses it
    threadline.save(update_fields=["base_url"])
    partner_config_bump(partner=threadline)

    served = live_adapter_for(fresh(threadline)).lookup(gtin)
    tested = partner_connection_test(partner=fresh(threadline), operation="lookup", value=gtin)

    assert served is not None and served.variants
    assert tested.ok is False
    assert calls_of(threadline) == [
        ("lookup", LOOKUP_PATH.format(gtin), "ok", live),
        ("lookup", LOOKUP_PATH.format(gtin), "refused", live + 1),
    ]


def test_a_credentials_edit_waits_and_the_live_credentials_keep_answering(threadline, gtin):
    live = threadline.config_version

    partner_credentials_set(partner=threadline, values={"api_key": "a-wrong-key"})
    served = live_adapter_for(fresh(threadline)).lookup(gtin)
    tested = partner_connection_test(partner=fresh(threadline), operation="lookup", value=gtin)

    assert served is not None
    assert tested.ok is False
    assert tested.summary == "The partner refused our credentials (HTTP 401)."
    assert calls_of(threadline)[0] == ("lookup", LOOKUP_PATH.format(gtin), "ok", live)
    assert calls_of(threadline)[-1] == ("lookup", LOOKUP_PATH.format(gtin), "auth_failed", live + 1)
    stored = PartnerLiveVersion.objects.get(partner=threadline).credentials_encrypted
    assert credentials_decrypt(stored) == {"api_key": RIGHT_KEY, "webhook_secret": WEBHOOK_SECRET}


def test_promote_makes_the_pending_version_serve(threadline, sandbox, gtin, merchandiser_user):
    live = threadline.config_version
    product_name = sandbox.threadline.catalog.by_gtin(gtin)[0].product.name
    name_mapping(threadline, "NEW ")
    proofs_done = proved(threadline)

    promoted = partner_pending_promote(partner=fresh(threadline), user=merchandiser_user)
    served = live_adapter_for(fresh(threadline)).lookup(gtin)

    assert (promoted.config_version, promoted.highest_version) == (live + 1, live + 1)
    assert promoted.promoted_by == merchandiser_user
    assert promoted.config == partner_config_export(fresh(threadline))
    assert served.name == f"NEW {product_name}"
    assert calls_of(threadline, after=proofs_done) == [
        ("lookup", LOOKUP_PATH.format(gtin), "ok", live + 1)
    ]
    assert partner_versions(partner=fresh(threadline)).pending is None


def test_promote_is_refused_until_the_pending_version_is_proven(threadline, gtin):
    live = threadline.config_version
    frozen = PartnerLiveVersion.objects.get(partner=threadline)
    name_mapping(threadline, "NEW ")

    with pytest.raises(ValidationError) as refused:
        partner_pending_promote(partner=fresh(threadline), user=None)

    assert refused.value.messages == [
        f"Version {live + 1} cannot replace live version {live} yet:",
        *unproven_problems(live),
    ]
    after = PartnerLiveVersion.objects.get(partner=threadline)
    assert (after.config_version, after.config, after.promoted_at) == (
        live,
        frozen.config,
        frozen.promoted_at,
    )
    assert partner_versions(partner=fresh(threadline)).pending == live + 1
    assert not PartnerCall.objects.exists()


def test_promote_is_refused_while_the_gate_fails_and_nothing_changes(threadline, sandbox, gtin):
    live = threadline.config_version
    frozen = PartnerLiveVersion.objects.get(partner=threadline)
    data = sandbox_config(PartnerName.THREADLINE)
    data["operations"] = [item for item in data["operations"] if item["operation"] != "lookup"]
    partner_config_import(data=data, base_url=sandbox.threadline.base_url)
    sandbox_partner_prove(fresh(threadline), PartnerName.THREADLINE)  # all it still offers
    proofs_done = PartnerCall.objects.latest("pk").pk

    with pytest.raises(ValidationError) as refused:
        partner_pending_promote(partner=fresh(threadline), user=None)

    assert refused.value.messages == [
        f"Version {live + 1} cannot replace live version {live} yet:",
        "Look up by code: not configured",
    ]
    after = PartnerLiveVersion.objects.get(partner=threadline)
    assert (after.config_version, after.config, after.promoted_at) == (
        live,
        frozen.config,
        frozen.promoted_at,
    )
    assert live_adapter_for(fresh(threadline)).lookup(gtin) is not None
    assert calls_of(threadline, after=proofs_done) == [
        ("lookup", LOOKUP_PATH.format(gtin), "ok", live)
    ]


def test_promote_without_pending_changes_is_refused(threadline):
    with pytest.raises(ValidationError) as refused:
        partner_pending_promote(partner=threadline, user=None)

    assert refused.value.messages == [
        f"Threadline has no pending changes: version {threadline.config_version} is live."
    ]


def test_discard_keeps_a_webhook_secret_replaced_meanwhile(threadline):
    # Given a pending change, and a new webhook secret handed to the partner meanwhile
    name_mapping(threadline, "NEW ")
    partner_credentials_set(partner=threadline, values={"api_key": "a-wrong-key"})
    partner_webhook_secret_set(partner=threadline, secret="a-new-webhook-secret-5521")

    # When the pending change is discarded
    partner_pending_discard(partner=fresh(threadline), user=None)

    # Then the live API key is back, and the webhook secret stays the new one
    stored = credentials_decrypt(PartnerCredentials.objects.get(partner=threadline).encrypted)
    assert stored == {"api_key": RIGHT_KEY, "webhook_secret": "a-new-webhook-secret-5521"}


def test_discard_puts_the_live_version_back_in_the_rows(threadline, sandbox, gtin):
    live = threadline.config_version
    before = partner_config_export(threadline)
    name_mapping(threadline, "NEW ")
    partner_credentials_set(partner=threadline, values={"api_key": "a-wrong-key"})
    threadline.priority = 3  # shapes no call: kept by the discard
    threadline.save(update_fields=["priority"])

    restored = partner_pending_discard(partner=fresh(threadline), user=None)
    tested = partner_connection_test(partner=fresh(threadline), operation="lookup", value=gtin)

    assert restored.config_version == live
    assert partner_config_export(fresh(threadline)) == {
        **before,
        "partner": {**before["partner"], "priority": 3},
    }
    stored = credentials_decrypt(PartnerCredentials.objects.get(partner=threadline).encrypted)
    assert stored == {"api_key": RIGHT_KEY, "webhook_secret": WEBHOOK_SECRET}
    assert tested.ok is True
    assert '"name": "NEW ' not in tested.canonical
    assert partner_versions(partner=fresh(threadline)).pending is None
    assert PartnerLiveVersion.objects.get(partner=threadline).highest_version == live + 2


def test_after_a_discard_the_next_change_takes_a_version_never_used(threadline):
    live = threadline.config_version
    name_mapping(threadline, "NEW ")
    partner_pending_discard(partner=fresh(threadline), user=None)

    partner_config_bump(partner=threadline)

    assert fresh(threadline).config_version == live + 2
    assert partner_versions(partner=fresh(threadline)).pending == live + 2


def test_discard_without_pending_changes_is_refused_and_writes_nothing(threadline):
    history = threadline.history.count()

    with pytest.raises(ValidationError):
        partner_pending_discard(partner=threadline, user=None)

    assert threadline.history.count() == history


def test_going_live_again_after_a_pause_freezes_the_rows(threadline, sandbox, gtin):
    product_name = sandbox.threadline.catalog.by_gtin(gtin)[0].product.name
    name_mapping(threadline, "NEW ")
    proved(threadline)  # proofs are made while live: a paused partner sends no test order
    partner_status_change(partner=fresh(threadline), status=Partner.Status.PAUSED)

    calls_before = PartnerCall.objects.count()
    with pytest.raises(PartnerNotAcceptingWork):  # paused: no new lookups, nothing sent
        live_adapter_for(fresh(threadline)).lookup(gtin)
    assert PartnerCall.objects.count() == calls_before
    partner_status_change(partner=fresh(threadline), status=Partner.Status.LIVE)
    live_lookup = live_adapter_for(fresh(threadline)).lookup(gtin)

    assert live_lookup.name == f"NEW {product_name}"
    live = PartnerLiveVersion.objects.get(partner=threadline)
    assert live.config_version == fresh(threadline).config_version


def test_a_partner_that_never_went_live_has_no_runtime_adapter(db, sandbox):
    partner = partner_config_import(
        data=sandbox_config(PartnerName.THREADLINE), base_url=sandbox.threadline.base_url
    )

    with pytest.raises(PartnerNeverLive) as refused:
        live_adapter_for(partner)

    assert str(refused.value) == "Threadline has never gone live: no configuration serves it yet."
    assert not PartnerCall.objects.exists()


def test_the_served_partner_never_reads_the_pending_operations(threadline):
    name_mapping(threadline, "NEW ")

    served = live_adapter_for(fresh(threadline)).partner

    lookup = next(config for config in served.operations.all() if config.operation == "lookup")
    assert '"name": name' in lookup.response_mapping
    assert "NEW " not in lookup.response_mapping
    assert served.operations.filter(operation="lookup").count() == 0  # never the rows


def test_rotating_keys_re_encrypts_the_live_versions_credentials(threadline, settings, gtin):
    new_key = Fernet.generate_key().decode()
    settings.PARTNER_CREDENTIAL_KEYS = [new_key, *settings.PARTNER_CREDENTIAL_KEYS]

    call_command("rotate_partner_credentials", stdout=io.StringIO())

    settings.PARTNER_CREDENTIAL_KEYS = [new_key]
    stored = PartnerLiveVersion.objects.get(partner=threadline).credentials_encrypted
    assert credentials_decrypt(stored) == {"api_key": RIGHT_KEY, "webhook_secret": WEBHOOK_SECRET}
    assert live_adapter_for(fresh(threadline)).lookup(gtin) is not None
