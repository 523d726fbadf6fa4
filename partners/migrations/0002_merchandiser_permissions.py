"""Merchandisers onboard partners in the admin: give their group the partner permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MERCHANDISER_PERMISSIONS = [
    "add_partner",
    "change_partner",
    "view_partner",
    "add_operationconfig",
    "change_operationconfig",
    "delete_operationconfig",
    "view_operationconfig",
    "view_partnercall",
]


def grant(apps, schema_editor):
    partners_config = apps.get_app_config("partners")
    partners_config.models_module = True
    create_permissions(partners_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Merchandiser")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="partners", codename__in=MERCHANDISER_PERMISSIONS
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Merchandiser"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="partners", codename__in=MERCHANDISER_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial"), ("stores", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
