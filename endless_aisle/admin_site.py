"""The project's admin site: the merchandisers' workplace, and the superusers'."""

from django.contrib import admin

from stores.access import user_roles
from stores.roles import ADMIN_ROLES


class StaffAdminSite(admin.AdminSite):
    """Another role stays out even if someone ticked "staff status" on its account."""

    def has_permission(self, request) -> bool:
        user = request.user
        return super().has_permission(request) and (
            user.is_superuser or bool(user_roles(user) & ADMIN_ROLES)
        )
