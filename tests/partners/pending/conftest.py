import pytest

from partners.models import Partner, PartnerCall
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import sandbox_partner_prove
from partners.services import partner_go_live_problems
from tests.partners.http.helpers import carried_gtin

# Threadline's lookup path, as its calls are logged.
LOOKUP_PATH = "/v1/products/by-barcode/{}"


@pytest.fixture
def threadline(onboarded) -> Partner:
    """Threadline, live at the version it went live with (its rows and live version agree)."""
    return onboarded["threadline"]


@pytest.fixture
def gtin(sandbox) -> str:
    """A barcode Threadline carries."""
    return carried_gtin(sandbox.threadline)


def calls_of(partner: Partner, *, after: int = 0) -> list[tuple]:
    """(operation, path, outcome, config version) of the partner's calls, oldest first (those
    logged after call `after` only)."""
    return list(
        PartnerCall.objects.filter(partner=partner, pk__gt=after)
        .order_by("pk")
        .values_list("operation", "path", "outcome", "config_version")
    )


def fresh(partner: Partner) -> Partner:
    return Partner.objects.get(pk=partner.pk)


def proved(partner: Partner) -> int:
    """Prove Threadline's current (pending) version over HTTP as a merchandiser would: Test
    connection of each read, a test order of two lines, cancelled again. Returns the last call's
    id, for `calls_of(partner, after=…)`."""
    sandbox_partner_prove(partner, PartnerName.THREADLINE)
    assert partner_go_live_problems(fresh(partner)) == []
    return PartnerCall.objects.latest("pk").pk


def unproven_problems(live: int) -> list[str]:
    """What the go-live gate says of version `live + 1` of Threadline, made by an edit of its
    live version `live` and not proven yet."""
    stale = (
        f"last tested on configuration version {live}, but the configuration is now "
        f"version {live + 1}: run Test connection again"
    )
    return [
        f"Look up by code: {stale}",
        f"Search by name: {stale}",
        f"Similar items: {stale}",
        f"Order status: {stale}",
        f"Place order: send a test order on configuration version {live + 1} (or, for a "
        "partner without a test mode, sign orders off)",
    ]
