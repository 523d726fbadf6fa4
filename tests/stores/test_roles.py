import pytest
from django.contrib.auth.models import Group

from stores.access import user_home_role, user_may, user_roles
from stores.roles import Perm, Role

EXPECTED_PERMISSIONS = {
    Role.ASSOCIATE: {"browse_catalog", "place_orders", "view_store_orders"},
    Role.MANAGER: {
        "browse_catalog",
        "place_orders",
        "view_store_orders",
        "manage_store_orders",
        "view_partner_health",
        "view_costs",
    },
    Role.MERCHANDISER: {
        "onboard_partners",
        "view_partner_health",
        "view_costs",
        "view_store",
        "add_partner",
        "change_partner",
        "delete_partner",
        "view_partner",
        "add_operationconfig",
        "change_operationconfig",
        "delete_operationconfig",
        "view_operationconfig",
        "view_partnercall",
        # The catalogue, kept in the admin.
        *(
            f"{action}_{model}"
            for model in (
                "masterproduct",
                "productgtin",
                "retailprice",
                "supplieritem",
                "pricingrule",
                "exchangerate",
                "storetaxrate",
            )
            for action in ("add", "change", "delete", "view")
        ),
    },
    Role.KIOSK: {"browse_catalog"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_a_group_with_exactly_its_permissions(roles, role):
    group = Group.objects.get(name=role.value)

    codenames = set(group.permissions.values_list("codename", flat=True))

    assert codenames == EXPECTED_PERMISSIONS[role]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.ASSOCIATE, {Perm.BROWSE_CATALOG, Perm.PLACE_ORDERS, Perm.VIEW_STORE_ORDERS}),
        (
            Role.MANAGER,
            {
                Perm.BROWSE_CATALOG,
                Perm.PLACE_ORDERS,
                Perm.VIEW_STORE_ORDERS,
                Perm.MANAGE_STORE_ORDERS,
                Perm.VIEW_PARTNER_HEALTH,
                Perm.VIEW_COSTS,
            },
        ),
        (Role.MERCHANDISER, {Perm.ONBOARD_PARTNERS, Perm.VIEW_PARTNER_HEALTH, Perm.VIEW_COSTS}),
        (Role.KIOSK, {Perm.BROWSE_CATALOG}),
        (None, set()),
    ],
)
def test_user_may_answers_from_the_role(user_in_role, role, allowed):
    user = user_in_role(role)

    assert {perm for perm in Perm if user_may(user, perm)} == allowed


@pytest.mark.django_db
def test_an_inactive_user_may_do_nothing(user_in_role):
    user = user_in_role(Role.MANAGER)
    user.is_active = False
    user.save()

    assert not any(user_may(user, perm) for perm in Perm)


@pytest.mark.django_db
def test_home_role_prefers_manager_over_associate(user_in_role):
    user = user_in_role(Role.ASSOCIATE)
    user.groups.add(Group.objects.get(name=Role.MANAGER.value))

    assert user_roles(user) == {Role.ASSOCIATE, Role.MANAGER}
    assert user_home_role(user) == Role.MANAGER
