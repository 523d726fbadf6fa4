"""Merchandisers and store managers see what partners charge and the margin; associates and
kiosks see only selling prices."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES_SEEING_COSTS = ["Merchandiser", "Store manager"]


def grant(apps, schema_editor):
    stores_config = apps.get_app_config("stores")
    stores_config.models_module = True
    create_permissions(stores_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    permission = apps.get_model("auth", "Permission").objects.get(
        content_type__app_label="stores", codename="view_costs"
    )
    for name in ROLES_SEEING_COSTS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(
        content_type__app_label="stores", codename="view_costs"
    ):
        permission.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [("stores", "0005_store_prices_include_tax_view_costs")]

    operations = [migrations.RunPython(grant, revoke)]
