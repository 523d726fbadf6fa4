from django.conf import settings

from stores.access import user_roles
from stores.roles import Role
from stores.selectors import store_acting_for, store_memberships_of

ACTING_STORE_SESSION_KEY = "acting_store_code"


class ActingStoreMiddleware:
    """Sets request.store (the store the user acts for) and request.store_memberships."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.store_memberships = []
        request.store = None
        if request.user.is_authenticated:
            request.store_memberships = list(store_memberships_of(request.user))
            request.store = store_acting_for(
                request.store_memberships, request.session.get(ACTING_STORE_SESSION_KEY)
            )
        return self.get_response(request)


class KioskIdleTimeoutMiddleware:
    """A kiosk's session ends after KIOSK_IDLE_SECONDS without a request.

    Staff sessions last a shift (SESSION_COOKIE_AGE); a customer-facing screen left alone should
    not stay signed in that long. Each request of a kiosk pushes the expiry back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and Role.KIOSK in user_roles(request.user):
            request.session.set_expiry(settings.KIOSK_IDLE_SECONDS)
        return self.get_response(request)
