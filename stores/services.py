from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import transaction

from stores.models import StaffIdentity, StaffMembership, Store
from stores.roles import ADMIN_ROLES, Role


class StaffIdentityConflict(Exception):
    """A local account already uses the name a provider's user would get."""


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


def staff_roles_set(*, user: AbstractBaseUser, roles: set[Role]) -> None:
    """Make the user's roles exactly `roles`; admin access follows the admin roles.

    Groups that are not roles are left alone. A superuser keeps admin access whatever their roles.
    """
    role_groups = Group.objects.filter(name__in=[role.value for role in Role])
    wanted = [group for group in role_groups if group.name in {role.value for role in roles}]
    user.groups.remove(*[group for group in role_groups if group not in wanted])
    user.groups.add(*wanted)
    is_staff = bool(roles & ADMIN_ROLES) or user.is_superuser
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])


@transaction.atomic
def staff_memberships_set(*, user: AbstractBaseUser, stores: list[Store]) -> None:
    """Make the user's stores exactly `stores`, the first one primary."""
    get_user_model().objects.select_for_update().get(pk=user.pk)
    StaffMembership.objects.filter(user=user).exclude(store__in=stores).delete()
    if not stores:
        return
    # Clear the old primary first: the one-primary constraint is checked on every statement.
    StaffMembership.objects.filter(user=user, is_primary=True).exclude(store=stores[0]).update(
        is_primary=False
    )
    for position, store in enumerate(stores):
        StaffMembership.objects.update_or_create(
            user=user, store=store, defaults={"is_primary": position == 0}
        )


@transaction.atomic
def staff_identity_sign_in(
    *,
    issuer: str,
    subject: str,
    first_name: str,
    last_name: str,
    email: str,
    roles: set[Role],
    stores: list[Store],
) -> AbstractBaseUser:
    """The user the identity provider vouches for, created on first sign-in and brought up to
    date on every one: names, e-mail, roles and stores as the provider says now.

    The username is the provider's `sub` (a UUID at Cognito), so it never collides with a local
    account; if it does, the local account is not taken over.
    """
    User = get_user_model()
    identity = (
        StaffIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    )
    if identity is None:
        if User.objects.filter(username=subject).exists():
            raise StaffIdentityConflict(subject)
        user = User.objects.create_user(username=subject)
        StaffIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    else:
        user = identity.user
    user.first_name = first_name[: User._meta.get_field("first_name").max_length]
    user.last_name = last_name[: User._meta.get_field("last_name").max_length]
    user.email = email
    user.save(update_fields=["first_name", "last_name", "email"])
    staff_roles_set(user=user, roles=roles)
    staff_memberships_set(user=user, stores=stores)
    return user
