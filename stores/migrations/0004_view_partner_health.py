"""Store managers and merchandisers may see the partners page: which partners serve the stores and
how their calls went in the last hour. Managers need it to tell a customer why a partner is
missing from a scan; merchandisers to spot a partner whose mapping or endpoint broke. Associates
and kiosks do not: the figures are for whoever can act on them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAME = "view_partner_health"
ROLES = ["Store manager", "Merchandiser"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations ran; the groups need this one now.
    stores_config = apps.get_app_config("stores")
    stores_config.models_module = True
    create_permissions(stores_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="stores", codename=CODENAME)
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="stores", codename=CODENAME)
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [("stores", "0003_staff_identity")]

    operations = [
        migrations.AlterModelOptions(
            name="store",
            options={
                "ordering": ["name"],
                "permissions": [
                    ("browse_catalog", "Can scan, search and browse what partners offer"),
                    ("place_orders", "Can use a cart and place orders for the store"),
                    ("view_store_orders", "Can see the store's orders and their customers"),
                    ("manage_store_orders", "Can cancel and retry the store's orders"),
                    ("onboard_partners", "Can onboard, configure and test partners"),
                    (
                        "view_partner_health",
                        "Can see live partners and how their calls are going",
                    ),
                ],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
