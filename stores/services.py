from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import transaction

from stores.models import StaffMembership, Store
from stores.roles import ADMIN_ROLES, Role


@transaction.atomic
def staff_membership_add(
    *, user: AbstractBaseUser, store: Store, primary: bool = False
) -> StaffMembership:
    """Attach a user to a store. Their first store, or one added with primary=True, is primary.

    Membership changes for one user are serialised on the user row, so two concurrent calls
    cannot both see "no primary yet" and leave two primaries.
    """
    get_user_model().objects.select_for_update().get(pk=user.pk)
    others = StaffMembership.objects.filter(user=user).exclude(store=store)
    existing = StaffMembership.objects.filter(user=user, store=store).first()
    make_primary = (
        primary
        or (existing is not None and existing.is_primary)
        or not others.filter(is_primary=True).exists()
    )
    if make_primary:
        others.filter(is_primary=True).update(is_primary=False)
    membership, _ = StaffMembership.objects.update_or_create(
        user=user, store=store, defaults={"is_primary": make_primary}
    )
    return membership


def staff_role_assign(*, user: AbstractBaseUser, role: Role) -> None:
    """Give a user a role; roles that work in the Django admin also get admin access."""
    user.groups.add(Group.objects.get(name=role.value))
    if role in ADMIN_ROLES and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
