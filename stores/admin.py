from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from stores.models import StaffIdentity, StaffMembership, Store

MANAGED_BY_PROVIDER = (
    "Roles and stores are managed in the identity provider (Amazon Cognito): change the "
    "user's groups and their custom:store_codes attribute there. They apply at the user's next "
    "sign-in."
)


class ProviderManagedInline(admin.TabularInline):
    """Store memberships: read-only while the identity provider manages them."""

    model = StaffMembership
    extra = 0

    def get_readonly_fields(self, request, obj=None):
        if settings.OIDC_ENABLED:
            return self.fields
        return ["created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return not settings.OIDC_ENABLED and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not settings.OIDC_ENABLED and super().has_delete_permission(request, obj)


class StoreMembershipInline(ProviderManagedInline):
    autocomplete_fields = ["user"]
    fields = ["user", "is_primary", "created_at"]


class UserMembershipInline(ProviderManagedInline):
    autocomplete_fields = ["store"]
    fields = ["store", "is_primary", "created_at"]


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "city", "country", "currency", "timezone", "is_active"]
    list_filter = ["is_active", "country", "currency"]
    search_fields = ["code", "name", "city", "postal_code"]
    inlines = [StoreMembershipInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "is_active"]}),
        (
            "Address",
            {
                "fields": [
                    "address_line1",
                    "address_line2",
                    "city",
                    "region",
                    "postal_code",
                    "country",
                ]
            },
        ),
        (
            "Trading",
            {"fields": ["currency", "prices_include_tax", "timezone", "notification_emails"]},
        ),
    ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not settings.OIDC_ENABLED:
            return fieldsets
        return [*fieldsets, ("Staff", {"fields": [], "description": MANAGED_BY_PROVIDER})]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [UserMembershipInline]
    list_filter = [*UserAdmin.list_filter, "store_memberships__store"]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if settings.OIDC_ENABLED:
            # Admin access follows the roles, so it is the provider's to change too.
            return [*readonly, "groups", "is_staff", "provider_identity"]
        return readonly

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not settings.OIDC_ENABLED or obj is None:
            return fieldsets
        return [
            *fieldsets,
            (
                "Roles and stores",
                {"fields": ["provider_identity"], "description": MANAGED_BY_PROVIDER},
            ),
        ]

    @admin.display(description="identity provider account")
    def provider_identity(self, obj) -> str:
        identity = StaffIdentity.objects.filter(user=obj).first()
        return str(identity) if identity else "none (a local account)"
