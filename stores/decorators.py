from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from stores.access import user_may
from stores.roles import Perm


def store_permission_required(perm: Perm):
    """The user must be logged in, hold `perm` and act for a store; otherwise 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not user_may(request.user, perm):
                raise PermissionDenied("Your role does not allow this.")
            if request.store is None:
                raise PermissionDenied(
                    "Your account is not attached to a store yet. Ask your store manager."
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
