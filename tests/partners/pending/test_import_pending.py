"""Importing a configuration into a partner that is live makes a pending version; partners that
were live before live versions existed keep serving what they served."""

import importlib

import pytest
from django.apps import apps

from partners.adapters.registry import live_adapter_for
from partners.config_files import partner_config_export
from partners.live_versions import partner_versions
from partners.models import PartnerCall, PartnerLiveVersion
from partners.pending_versions import partner_pending_promote
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import sandbox_config, sandbox_partners_onboard
from partners.services import partner_config_import
from tests.partners.pending.conftest import calls_of, fresh

pytestmark = pytest.mark.django_db

LOOKUP_PATH = "/v1/products/by-barcode/{}"


def renamed_config() -> dict:
    data = sandbox_config(PartnerName.THREADLINE)
    lookup = next(item for item in data["operations"] if item["operation"] == "lookup")
    lookup["response_mapping"] = lookup["response_mapping"].replace(
        '"name": name', '"name": "NEW " & name', 1
    )
    return data


def test_an_import_into_a_live_partner_waits_as_a_pending_version(threadline, sandbox, gtin):
    live = threadline.config_version
    frozen = PartnerLiveVersion.objects.get(partner=threadline)
    product_name = sandbox.threadline.catalog.by_gtin(gtin)[0].product.name

    partner_config_import(data=renamed_config(), base_url=sandbox.threadline.base_url)
    served = live_adapter_for(fresh(threadline)).lookup(gtin)

    assert fresh(threadline).config_version == live + 1
    assert partner_versions(partner=fresh(threadline)).pending == live + 1
    assert served.name == product_name
    after = PartnerLiveVersion.objects.get(partner=threadline)
    assert (after.config_version, after.config) == (live, frozen.config)
    assert calls_of(threadline) == [("lookup", LOOKUP_PATH.format(gtin), "ok", live)]


def test_a_promoted_import_serves(threadline, sandbox, gtin):
    live = threadline.config_version
    product_name = sandbox.threadline.catalog.by_gtin(gtin)[0].product.name
    partner_config_import(data=renamed_config(), base_url=sandbox.threadline.base_url)

    partner_pending_promote(partner=fresh(threadline), user=None)

    assert live_adapter_for(fresh(threadline)).lookup(gtin).name == f"NEW {product_name}"
    assert calls_of(threadline) == [("lookup", LOOKUP_PATH.format(gtin), "ok", live + 1)]


def test_onboarding_the_sandbox_again_promotes_its_new_base_url(onboarded, sandbox):
    threadline = onboarded["threadline"]
    moved = "http://127.0.0.1:9"  # as if the sandbox ran on another port

    sandbox_partners_onboard({PartnerName.THREADLINE: moved})

    live = PartnerLiveVersion.objects.get(partner=threadline)
    assert live.config["partner"]["base_url"] == moved
    assert live.config_version == fresh(threadline).config_version
    assert not PartnerCall.objects.exists()


def test_partners_live_before_live_versions_keep_serving_their_configuration(threadline, gtin):
    """The data migration: a live partner without a live version gets its rows frozen."""
    expected = partner_config_export(threadline)
    PartnerLiveVersion.objects.all().delete()
    migration = importlib.import_module("partners.migrations.0007_partner_live_version")

    migration.freeze_serving_partners(apps, None)

    live = PartnerLiveVersion.objects.get(partner=threadline)
    assert (live.config_version, live.highest_version) == (threadline.config_version,) * 2
    assert live.config == {
        **expected,
        "partner": {name: expected["partner"][name] for name in migration.PARTNER_FIELDS},
    }
    assert live.credentials_encrypted == threadline.credentials.encrypted
    assert live_adapter_for(fresh(threadline)).lookup(gtin) is not None
