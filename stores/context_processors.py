from stores.access import user_home_role


def acting_store(request) -> dict:
    return {
        "acting_store": getattr(request, "store", None),
        "store_memberships": getattr(request, "store_memberships", []),
        "home_role": user_home_role(request.user) if hasattr(request, "user") else None,
    }
