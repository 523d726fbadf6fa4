"""The four roles (Django groups) and the capabilities views ask about.

Groups and their permissions are created by data migrations; this module only names them.
"""

from enum import StrEnum


class Role(StrEnum):
    ASSOCIATE = "Store associate"
    MANAGER = "Store manager"
    MERCHANDISER = "Merchandiser"
    KIOSK = "Kiosk"


class Perm(StrEnum):
    BROWSE_CATALOG = "stores.browse_catalog"
    PLACE_ORDERS = "stores.place_orders"
    VIEW_STORE_ORDERS = "stores.view_store_orders"
    MANAGE_STORE_ORDERS = "stores.manage_store_orders"
    ONBOARD_PARTNERS = "stores.onboard_partners"
    VIEW_PARTNER_HEALTH = "stores.view_partner_health"
    VIEW_COSTS = "stores.view_costs"


def role_from_key(key: str) -> Role:
    """A role by its short name in configuration: associate, manager, merchandiser, kiosk."""
    return Role[key.upper()]


ROLE_KEYS = tuple(role.name.lower() for role in Role)

# When a user holds several roles, the home page of the first one here is shown.
HOME_PRECEDENCE = (Role.MANAGER, Role.ASSOCIATE, Role.MERCHANDISER, Role.KIOSK)

# Roles whose work happens in the Django admin.
ADMIN_ROLES = frozenset({Role.MERCHANDISER})
