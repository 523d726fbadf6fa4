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
