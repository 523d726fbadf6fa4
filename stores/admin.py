from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from stores.models import StaffMembership, Store


class StoreMembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "is_primary", "created_at"]
    readonly_fields = ["created_at"]


class UserMembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    autocomplete_fields = ["store"]
    fields = ["store", "is_primary", "created_at"]
    readonly_fields = ["created_at"]


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
        ("Trading", {"fields": ["currency", "timezone", "notification_emails"]}),
    ]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [UserMembershipInline]
    list_filter = [*UserAdmin.list_filter, "store_memberships__store"]
