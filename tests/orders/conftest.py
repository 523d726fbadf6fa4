"""Fixtures for every test under tests/orders: sandbox partners taken live one by one, and the
order pipeline's (defined in pipeline_fixtures.py and worker_fixtures.py)."""

import pytest
from django.core.cache import cache

from partners.models import Partner, PartnerCall
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import sandbox_partners_onboard
from tests.orders.pipeline_fixtures import associate, cart_of, checkout, priced  # noqa: F401
from tests.orders.worker_fixtures import pipeline_worker  # noqa: F401


@pytest.fixture
def live_partners(roles, sandbox, sandbox_allowed):
    """`live_partners("threadline", …)`: only those sandbox partners onboarded and live (as the
    `onboarded` fixture does for all four, at a quarter of the cost), keyed by slug."""

    def onboard(*slugs: str) -> dict[str, Partner]:
        cache.clear()
        partners = sandbox_partners_onboard(
            {PartnerName(slug): sandbox.by_name(slug).base_url for slug in slugs}
        )
        PartnerCall.objects.all().delete()
        sandbox.reset()
        cache.clear()
        return {partner.slug: partner for partner in partners}

    return onboard
