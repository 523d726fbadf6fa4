import pytest

from partners.models import Partner, PartnerCall
from stores.roles import Role
from tests.partners.http.helpers import carried_gtin


@pytest.fixture
def merchandiser_user(user_in_role):
    return user_in_role(Role.MERCHANDISER, stores=[])


@pytest.fixture
def merchandiser(client, merchandiser_user):
    client.force_login(merchandiser_user)
    return client


@pytest.fixture
def threadline(onboarded) -> Partner:
    """Threadline, live at the version it went live with (its rows and live version agree)."""
    return onboarded["threadline"]


@pytest.fixture
def gtin(sandbox) -> str:
    """A barcode Threadline carries."""
    return carried_gtin(sandbox.threadline)


def calls_of(partner: Partner) -> list[tuple]:
    """(operation, path, outcome, config version) of the partner's calls, oldest first."""
    return list(
        PartnerCall.objects.filter(partner=partner)
        .order_by("pk")
        .values_list("operation", "path", "outcome", "config_version")
    )


def fresh(partner: Partner) -> Partner:
    return Partner.objects.get(pk=partner.pk)
