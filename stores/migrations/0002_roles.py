"""Create the four roles as groups with their permissions.

The table is frozen here on purpose: a later change of a role's permissions is a new migration.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "Store associate": ["browse_catalog", "place_orders", "view_store_orders"],
    "Store manager": [
        "browse_catalog",
        "place_orders",
        "view_store_orders",
        "manage_store_orders",
    ],
    "Merchandiser": ["onboard_partners", "view_store"],
    "Kiosk": ["browse_catalog"],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations ran; the groups need them now.
    stores_config = apps.get_app_config("stores")
    stores_config.models_module = True
    create_permissions(stores_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="stores", codename__in=codenames)
        )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("stores", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
