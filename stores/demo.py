"""Demo stores and one user per role, for `manage.py seed_demo`. Safe to run again."""

from django.contrib.auth import get_user_model
from django.db import transaction

from stores.models import Store
from stores.roles import Role
from stores.services import staff_membership_add, staff_role_assign

DEMO_STORES = [
    {
        "code": "LDN-01",
        "name": "London Oxford Street",
        "address_line1": "200 Oxford Street",
        "city": "London",
        "postal_code": "W1D 1NU",
        "country": "GB",
        "currency": "GBP",
        "prices_include_tax": True,
        "timezone": "Europe/London",
        "notification_emails": "ldn-01.orders@example.com",
    },
    {
        "code": "DUB-01",
        "name": "Dublin Grafton Street",
        "address_line1": "40 Grafton Street",
        "city": "Dublin",
        "postal_code": "D02 X285",
        "country": "IE",
        "currency": "EUR",
        "prices_include_tax": True,
        "timezone": "Europe/Dublin",
        "notification_emails": "dub-01.orders@example.com",
    },
]

# username → (first name, last name, role, store codes with the primary one first)
DEMO_USERS = {
    "associate": ("Asha", "Patel", Role.ASSOCIATE, ["LDN-01"]),
    "manager": ("Marek", "Nowak", Role.MANAGER, ["LDN-01", "DUB-01"]),
    "merchandiser": ("Mei", "Chen", Role.MERCHANDISER, []),
    "kiosk": ("Kiosk", "LDN-01", Role.KIOSK, ["LDN-01"]),
}
# Manages stores and staff in the admin; holds every permission.
DEMO_SUPERUSER = "admin"


@transaction.atomic
def demo_stores_and_staff_seed(*, password: str) -> None:
    stores = {}
    for fields in DEMO_STORES:
        store, _ = Store.objects.update_or_create(code=fields["code"], defaults=fields)
        stores[store.code] = store
    User = get_user_model()
    for username, (first_name, last_name, role, store_codes) in DEMO_USERS.items():
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={"first_name": first_name, "last_name": last_name, "is_active": True},
        )
        user.set_password(password)
        user.save(update_fields=["password"])
        staff_role_assign(user=user, role=role)
        for position, code in enumerate(store_codes):
            staff_membership_add(user=user, store=stores[code], primary=position == 0)
    superuser, _ = User.objects.update_or_create(
        username=DEMO_SUPERUSER,
        defaults={"first_name": "Ada", "is_staff": True, "is_superuser": True, "is_active": True},
    )
    superuser.set_password(password)
    superuser.save(update_fields=["password"])
