import pytest

from partners.http import client as http_client_module
from partners.http.client import PartnerHttpClient
from partners.models import Partner
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import (
    sandbox_config,
    sandbox_partner_import,
    sandbox_partner_prove,
)
from partners.sandbox.servers import SandboxPartners
from partners.services import partner_config_import, partner_status_change


@pytest.fixture(autouse=True)
def fresh_sandbox(sandbox: SandboxPartners) -> SandboxPartners:
    """Every partners test starts with no orders, faults or latency at the sandbox."""
    sandbox.reset()
    return sandbox


@pytest.fixture(autouse=True)
def backoff_waits(monkeypatch) -> list[float]:
    """A new process-wide partner client per test, backoff waits recorded instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr(http_client_module, "_shared_client", PartnerHttpClient(sleep=waits.append))
    return waits


@pytest.fixture
def draft_threadline(db, sandbox) -> Partner:
    """Threadline imported from its configuration file: a draft, with no credentials."""
    return partner_config_import(
        data=sandbox_config(PartnerName.THREADLINE), base_url=sandbox.threadline.base_url
    )


@pytest.fixture
def proven(roles, sandbox, sandbox_allowed):
    """`proven(name, data=None)`: a sandbox partner imported from its file (or `data`), with
    credentials (and webhook secret), in testing and proven over HTTP the way a merchandiser
    proves it (Test connection of each read, a test order of two lines), so it may go live."""

    def make(name: PartnerName = PartnerName.THREADLINE, data: dict | None = None) -> Partner:
        partner = sandbox_partner_import(name, sandbox.by_name(name).base_url, data)
        partner_status_change(partner=partner, status=Partner.Status.TESTING)
        sandbox_partner_prove(partner, name)
        return Partner.objects.get(pk=partner.pk)

    return make
