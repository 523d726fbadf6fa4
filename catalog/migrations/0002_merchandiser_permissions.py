"""Merchandisers keep the catalogue in the admin: products, supplier items, pricing rules,
exchange rates and store tax rates."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CATALOGUE_MODELS = [
    "masterproduct",
    "productgtin",
    "retailprice",
    "supplieritem",
    "pricingrule",
    "exchangerate",
    "storetaxrate",
]
MERCHANDISER_PERMISSIONS = [
    f"{action}_{model}"
    for model in CATALOGUE_MODELS
    for action in ("add", "change", "delete", "view")
]


def grant(apps, schema_editor):
    catalog_config = apps.get_app_config("catalog")
    catalog_config.models_module = True
    create_permissions(catalog_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Merchandiser")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="catalog", codename__in=MERCHANDISER_PERMISSIONS
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Merchandiser"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="catalog", codename__in=MERCHANDISER_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial"), ("stores", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
