import pytest

from catalog.selectors import partners_live
from partners.models import Partner
from tests.factories import PartnerFactory


@pytest.mark.django_db
def test_every_live_partner_with_a_serving_version_by_priority(onboarded):
    PartnerFactory(slug="no-version-yet", status=Partner.Status.LIVE, priority=1)
    PartnerFactory(slug="testing", status=Partner.Status.TESTING, priority=1)
    onboarded["hearth"].priority = 5
    onboarded["hearth"].save(update_fields=["priority"])

    assert [partner.slug for partner in partners_live()] == [
        "hearth",
        "threadline",
        "stridewell",
        "baywater",
    ]
