import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from stores.models import StaffMembership, Store


def snapshot() -> dict:
    User = get_user_model()
    return {
        "stores": sorted(Store.objects.values_list("code", "currency", "timezone")),
        "users": sorted(User.objects.values_list("username", "is_staff", "is_superuser")),
        "roles": sorted(
            User.objects.filter(groups__isnull=False).values_list("username", "groups__name")
        ),
        "memberships": sorted(
            StaffMembership.objects.values_list("user__username", "store__code", "is_primary")
        ),
    }


@pytest.mark.django_db
def test_seed_demo_creates_two_stores_and_one_user_per_role():
    call_command("seed_demo")

    assert snapshot() == {
        "stores": [("DUB-01", "EUR", "Europe/Dublin"), ("LDN-01", "GBP", "Europe/London")],
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
    }


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing_and_logins_use_demo_password(settings):
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
