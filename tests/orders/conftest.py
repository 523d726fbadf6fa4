import pytest
from django.core.cache import cache

from partners.models import Partner, PartnerCall
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import sandbox_partners_onboard


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
