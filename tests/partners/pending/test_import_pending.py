"""Importing a configuration into a partner that is live makes a pending version; partners that
were live before live versions existed keep serving what they served."""

import importlib
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from partners.adapters.registry import live_adapter_for
from partners.config_files import partner_config_export
from partners.live_versions import partner_versions
from partners.models import PartnerLiveVersion, PartnerProof
from partners.pending_versions import partner_pending_promote
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import sandbox_config, sandbox_partners_onboard
from partners.sandbox.threadline import ThreadlineSandbox
from partners.services import partner_config_import
from tests.partners.pending.conftest import LOOKUP_PATH, calls_of, fresh, proved

pytestmark = pytest.mark.django_db


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
    proofs_done = proved(threadline)

    partner_pending_promote(partner=fresh(threadline), user=None)

    assert live_adapter_for(fresh(threadline)).lookup(gtin).name == f"NEW {product_name}"
    assert calls_of(threadline, after=proofs_done) == [
        ("lookup", LOOKUP_PATH.format(gtin), "ok", live + 1)
    ]


@pytest.fixture
def moved_threadline(settings, sandbox_allowed):
    """Threadline's sandbox running again on another port, allowed like the first."""
    moved = ThreadlineSandbox().start()
    settings.PARTNER_HOST_ALLOWLIST = [
        *settings.PARTNER_HOST_ALLOWLIST,
        urlsplit(moved.base_url).netloc,
    ]
    yield moved
    moved.stop()


def test_onboarding_the_sandbox_again_proves_and_promotes_its_new_base_url(
    threadline, moved_threadline, gtin
):
    live = threadline.config_version

    sandbox_partners_onboard({PartnerName.THREADLINE: moved_threadline.base_url})
    served = live_adapter_for(fresh(threadline)).lookup(gtin)

    frozen = PartnerLiveVersion.objects.get(partner=threadline)
    assert frozen.config["partner"]["base_url"] == moved_threadline.base_url
    # the import and the credentials set again each make a version: the last is proven
    assert frozen.config_version == fresh(threadline).config_version == live + 2
    assert served is not None
    assert moved_threadline.orders.counters().order_requests == 1  # the proving test order
    assert {version for *_, version in calls_of(threadline)} == {live + 2}
    assert calls_of(threadline)[-1] == ("lookup", LOOKUP_PATH.format(gtin), "ok", live + 2)


def test_onboarding_the_sandbox_again_at_a_url_that_does_not_answer_is_refused(threadline, gtin):
    live = threadline.config_version
    pending = live + 2  # the import and the credentials set again each make a version
    frozen = PartnerLiveVersion.objects.get(partner=threadline)
    moved = "http://127.0.0.1:9"  # not allow-listed: the guard refuses every call

    with pytest.raises(ValidationError) as refused:
        sandbox_partners_onboard({PartnerName.THREADLINE: moved})

    assert fresh(threadline).config_version == pending
    test_order = fresh(threadline).proofs.get(
        kind=PartnerProof.Kind.TEST_ORDER, config_version=pending
    )
    assert test_order.detail["orders"][0]["partner_order_id"] is None

    def failed(operation: str, label: str) -> str:
        last = fresh(threadline).proofs.filter(operation=operation, config_version=pending)[0]
        return (
            f"{label}: Test connection did not pass on configuration version {pending}; "
            f"the last run: {last.summary}"
        )

    assert refused.value.messages == [
        f"Version {pending} cannot replace live version {live} yet:",
        failed("lookup", "Look up by code"),
        failed("search", "Search by name"),
        failed("similar", "Similar items"),
        # no order was accepted, so none was asked about: the test of version {live} stands
        f"Order status: last tested on configuration version {live}, but the configuration is "
        f"now version {pending}: run Test connection again",
        f"Place order: send a test order on configuration version {pending} (or, for a partner "
        f"without a test mode, sign orders off); the last test order failed: {test_order.summary}",
    ]
    assert fresh(threadline).proofs.filter(config_version=pending, passed=True).count() == 0
    after = PartnerLiveVersion.objects.get(partner=threadline)
    assert (after.config_version, after.config) == (live, frozen.config)
    assert live_adapter_for(fresh(threadline)).lookup(gtin) is not None


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
