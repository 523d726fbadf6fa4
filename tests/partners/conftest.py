"""One set of sandbox partners for the whole run, and the three of them onboarded from their
configuration files exactly as `seed_demo` does."""

from urllib.parse import urlsplit

import pytest
from django.core.cache import cache

from partners.sandbox.onboarding import sandbox_partners_onboard
from partners.sandbox.servers import SandboxPartners, sandbox_partners_start


@pytest.fixture(scope="session")
def sandbox():
    partners = sandbox_partners_start()
    yield partners
    partners.stop()


@pytest.fixture(autouse=True)
def fresh_sandbox(sandbox: SandboxPartners) -> SandboxPartners:
    sandbox.reset()
    return sandbox


@pytest.fixture
def sandbox_allowed(settings, sandbox):
    """Let the SSRF guard through to the sandbox's loopback ports, as the demo does."""
    settings.PARTNER_HOST_ALLOWLIST = [urlsplit(partner.base_url).netloc for partner in sandbox]


@pytest.fixture
def onboarded(db, roles, sandbox, sandbox_allowed):
    """The three sandbox partners, live, keyed by slug."""
    cache.clear()  # cached OAuth2 tokens are keyed by partner id, which a rollback reuses
    partners = sandbox_partners_onboard({partner.name: partner.base_url for partner in sandbox})
    return {partner.slug: partner for partner in partners}
