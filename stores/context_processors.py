def acting_store(request) -> dict:
    return {
        "acting_store": getattr(request, "store", None),
        "store_memberships": getattr(request, "store_memberships", []),
    }
