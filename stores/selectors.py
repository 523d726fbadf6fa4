from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from stores.models import StaffMembership, Store


def store_memberships_of(user: AbstractBaseUser) -> QuerySet[StaffMembership]:
    """The active stores a user works at, primary first."""
    return StaffMembership.objects.filter(user=user, store__is_active=True).select_related("store")


def store_acting_for(
    memberships: list[StaffMembership], selected_code: str | None = None
) -> Store | None:
    """The store a user acts for: the one they switched to, else their primary, else the first."""
    if selected_code:
        for membership in memberships:
            if membership.store.code == selected_code:
                return membership.store
    for membership in memberships:
        if membership.is_primary:
            return membership.store
    return memberships[0].store if memberships else None


def store_team(store: Store) -> QuerySet[StaffMembership]:
    return (
        StaffMembership.objects.filter(store=store, user__is_active=True)
        .select_related("user")
        .prefetch_related("user__groups")
        .order_by("user__first_name", "user__username")
    )
