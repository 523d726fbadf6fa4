import socket
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from catalog.models import ExchangeRate, MasterProduct, PricingRule, StoreTaxRate, SupplierItem
from endless_aisle.management.commands import seed_demo
from partners.models import Partner
from partners.sandbox.servers import DEMO_PORTS
from stores.models import StaffMembership, Store

# seed_demo runs after the migrations, which made the role groups.
pytestmark = pytest.mark.usefixtures("roles")


@pytest.fixture
def demo_ports(monkeypatch, settings):
    """The demo's partner ports moved to free ones, so a run beside the demo (or another run)
    does not collide; the SSRF guard lets them through as it does the demo's."""
    ports = {}
    for name in DEMO_PORTS:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports[name] = probe.getsockname()[1]
    monkeypatch.setattr(seed_demo, "DEMO_PORTS", ports)
    settings.PARTNER_HOST_ALLOWLIST = [f"127.0.0.1:{port}" for port in ports.values()]
    return ports


def snapshot() -> dict:
    User = get_user_model()
    return {
        "stores": sorted(
            Store.objects.values_list("code", "currency", "timezone", "prices_include_tax")
        ),
        "users": sorted(User.objects.values_list("username", "is_staff", "is_superuser")),
        "roles": sorted(
            User.objects.filter(groups__isnull=False).values_list("username", "groups__name")
        ),
        "memberships": sorted(
            StaffMembership.objects.values_list("user__username", "store__code", "is_primary")
        ),
        "partners": sorted(Partner.objects.values_list("slug", "status", "base_url")),
        "catalogue": {
            "products": sorted(MasterProduct.objects.values_list("store_sku", flat=True)),
            "supplier items": SupplierItem.objects.count(),
            "pricing rules": PricingRule.objects.count(),
            "rates": sorted(ExchangeRate.objects.values_list("from_currency", "to_currency")),
            "tax rates": sorted(StoreTaxRate.objects.values_list("store__code", "rate_percent")),
        },
    }


@pytest.mark.django_db
def test_seed_demo_creates_two_stores_and_one_user_per_role_and_takes_the_partners_live(
    demo_ports,
):
    call_command("seed_demo")

    assert snapshot() == {
        "stores": [
            ("DUB-01", "EUR", "Europe/Dublin", True),
            ("LDN-01", "GBP", "Europe/London", True),
        ],
        "users": [
            ("admin", True, True),
            ("associate", False, False),
            ("kiosk", False, False),
            ("manager", False, False),
            ("merchandiser", True, False),
        ],
        "roles": [
            ("associate", "Store associate"),
            ("kiosk", "Kiosk"),
            ("manager", "Store manager"),
            ("merchandiser", "Merchandiser"),
        ],
        "memberships": [
            ("associate", "LDN-01", True),
            ("kiosk", "LDN-01", True),
            ("manager", "DUB-01", False),
            ("manager", "LDN-01", True),
        ],
        "partners": [
            ("baywater", "live", f"http://127.0.0.1:{demo_ports['baywater']}"),
            ("hearth", "live", f"http://127.0.0.1:{demo_ports['hearth']}"),
            ("stridewell", "live", f"http://127.0.0.1:{demo_ports['stridewell']}"),
            ("threadline", "live", f"http://127.0.0.1:{demo_ports['threadline']}"),
        ],
        # One product per category that Baywater and two others stock, and the README's gilet;
        # Baywater's 476 items and every partner's items of those products.
        "catalogue": {
            "products": ["EA00006", "EA00013", "EA00075", "EA00149"],
            "supplier items": 581,
            "pricing rules": 4,
            "rates": [("GBP", "EUR")],
            "tax rates": [("DUB-01", Decimal("23.00")), ("LDN-01", Decimal("20.00"))],
        },
    }


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing_and_logins_use_demo_password(settings, demo_ports):
    call_command("seed_demo")
    first = snapshot()

    call_command("seed_demo")

    assert snapshot() == first
    login = RequestFactory().post("/accounts/login/")  # login throttling needs the request
    assert authenticate(login, username="associate", password=settings.DEMO_PASSWORD) is not None


@pytest.mark.django_db
def test_seed_demo_refuses_where_demo_logins_are_not_allowed(settings):
    settings.DEMO_SEED_ALLOWED = False

    with pytest.raises(CommandError, match="disabled in production"):
        call_command("seed_demo")

    assert not Store.objects.exists()
    assert not get_user_model().objects.exists()
    assert not Partner.objects.exists()
    assert not MasterProduct.objects.exists()


@pytest.mark.django_db
def test_seed_demo_refuses_clearly_when_the_partner_ports_are_taken(demo_ports):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", demo_ports["hearth"]))
        taken.listen()

        with pytest.raises(CommandError, match="Cannot serve the sandbox partners on ports"):
            call_command("seed_demo")

    assert not Partner.objects.exists()
