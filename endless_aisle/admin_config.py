from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    """The Django admin with our site (endless_aisle.admin_site), which admits merchandisers and
    superusers only. Kept apart from the site: an app config may not import models."""

    default_site = "endless_aisle.admin_site.StaffAdminSite"
