"""Answers views need: what roles a user holds, and whether they may do something."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from stores.roles import HOME_PRECEDENCE, Perm, Role


def user_roles(user: AbstractBaseUser | AnonymousUser) -> set[Role]:
    if not user.is_authenticated:
        return set()
    names = {group.name for group in user.groups.all()}
    return {role for role in Role if role.value in names}


def user_home_role(user: AbstractBaseUser | AnonymousUser) -> Role | None:
    roles = user_roles(user)
    return next((role for role in HOME_PRECEDENCE if role in roles), None)


def user_may(user: AbstractBaseUser | AnonymousUser, perm: Perm) -> bool:
    return user.is_active and user.has_perm(perm.value)
