from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.offers import VariantOffer
from catalog.sandbox.demo_catalogue import demo_catalogue_seed
from partners.models import Partner, PartnerCall
from partners.sandbox.catalog import PartnerName, catalog_default
from partners.sandbox.servers import SandboxPartners
from stores.roles import Role
from tests.partners.conftest import backoff_waits, fresh_sandbox  # noqa: F401 - fixtures
from tests.partners.http.conftest import allow, serve  # noqa: F401 - fixtures

# Partner calls run in worker threads with connections of their own, which see only committed
# rows: every test that asks partners runs outside a test transaction.
partner_calls = pytest.mark.django_db(transaction=True)

# What writing a page's partner call-log rows adds to its queries: one INSERT, in a transaction
# of its own, whose BEGIN and COMMIT SQLite's query log counts and PostgreSQL's does not.
CALL_LOG_QUERIES = 3


@pytest.fixture(autouse=True)
def patient_pages(settings):
    """Pages wait for partners far longer than a loaded machine needs, so a test's outcome
    never depends on its speed; the deadline's own tests set a short one."""
    settings.CATALOG_PARTNER_DEADLINE_SECONDS = 60


def price_doubled(offer: VariantOffer) -> Decimal | None:
    """A pricing rule simple enough to check by hand: twice the partner's cost."""
    return None if offer.cost is None else offer.cost * 2


def page_of(client, gtin: str, **query) -> str:
    """The product page of `gtin` (any GTIN length) as HTML; it must answer 200."""
    response = client.get(reverse("catalog:product", args=[gtin.zfill(14)]), query)
    assert response.status_code == 200
    return response.content.decode()


def gtin_carried_by(sandbox: SandboxPartners, *names: PartnerName) -> str:
    """The first catalogue GTIN carried by exactly these sandbox partners."""
    wanted = set(names)
    return next(
        variant.gtin
        for product in catalog_default().products
        for variant in product.variants
        if {p.name for p in sandbox if p.catalog.by_gtin(variant.gtin)} == wanted
    )


def lookups_of(partner: Partner) -> list[tuple]:
    """(status code, outcome, attempt) of the partner's lookup calls, oldest first."""
    return list(
        PartnerCall.objects.filter(partner=partner, operation="lookup")
        .order_by("pk")
        .values_list("status_code", "outcome", "attempt")
    )


@pytest.fixture
def live(onboarded) -> list[Partner]:
    """The four onboarded sandbox partners, by priority (Threadline, Stridewell, Hearth &
    Home, Baywater), as `partners_live()` gives them."""
    return sorted(onboarded.values(), key=lambda partner: partner.priority)


@pytest.fixture
def associate(user_in_role):
    """An associate of the London store, named: carts and scans show who."""
    return user_in_role(Role.ASSOCIATE, username="asha")


@pytest.fixture
def priced(onboarded, store):
    """The sandbox partners onboarded, with the demo's prices (rules, VAT, rates, catalogue)
    for the London store the test users work at."""
    demo_catalogue_seed()
    return onboarded
