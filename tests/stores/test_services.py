import pytest
from django.contrib.auth.models import Group

from stores.models import StaffMembership
from stores.roles import Role
from stores.services import (
    staff_membership_add,
    staff_memberships_set,
    staff_role_assign,
    staff_roles_set,
)
from tests.factories import StoreFactory, UserFactory


def primary_codes(user) -> list[str]:
    return list(
        StaffMembership.objects.filter(user=user, is_primary=True).values_list(
            "store__code", flat=True
        )
    )


@pytest.mark.django_db
def test_the_first_store_becomes_primary_and_a_second_does_not(store, other_store):
    user = UserFactory()

    staff_membership_add(user=user, store=store)
    staff_membership_add(user=user, store=other_store)

    assert primary_codes(user) == ["LDN-01"]
    assert StaffMembership.objects.filter(user=user).count() == 2


@pytest.mark.django_db
def test_adding_a_primary_store_moves_the_primary(store, other_store):
    user = UserFactory()
    staff_membership_add(user=user, store=store)

    staff_membership_add(user=user, store=other_store, primary=True)

    assert primary_codes(user) == ["DUB-01"]


@pytest.mark.django_db
def test_adding_the_primary_store_again_keeps_it_primary(store, other_store):
    user = UserFactory()
    staff_membership_add(user=user, store=store)
    staff_membership_add(user=user, store=other_store)

    staff_membership_add(user=user, store=store)

    assert primary_codes(user) == ["LDN-01"]
    assert StaffMembership.objects.filter(user=user).count() == 2


@pytest.mark.django_db
def test_a_merchandiser_gets_admin_access_and_an_associate_does_not(roles):
    merchandiser, associate = UserFactory(), UserFactory()

    staff_role_assign(user=merchandiser, role=Role.MERCHANDISER)
    staff_role_assign(user=associate, role=Role.ASSOCIATE)

    merchandiser.refresh_from_db()
    associate.refresh_from_db()
    assert (merchandiser.is_staff, associate.is_staff) == (True, False)
    assert list(merchandiser.groups.values_list("name", flat=True)) == ["Merchandiser"]


@pytest.mark.django_db
def test_setting_stores_keeps_exactly_those_with_the_first_primary(store, other_store):
    user = UserFactory()
    staff_membership_add(user=user, store=store, primary=True)
    third = StoreFactory(code="MAN-01")

    staff_memberships_set(user=user, stores=[other_store, third])

    assert sorted(
        StaffMembership.objects.filter(user=user).values_list("store__code", "is_primary")
    ) == [("DUB-01", True), ("MAN-01", False)]


@pytest.mark.django_db
def test_setting_no_stores_removes_them_all(store):
    user = UserFactory()
    staff_membership_add(user=user, store=store)

    staff_memberships_set(user=user, stores=[])

    assert StaffMembership.objects.filter(user=user).count() == 0


@pytest.mark.django_db
def test_setting_roles_replaces_role_groups_and_keeps_other_groups(roles):
    user = UserFactory(role=Role.MERCHANDISER)
    other_group = Group.objects.create(name="Newsletter")
    user.groups.add(other_group)

    staff_roles_set(user=user, roles={Role.KIOSK})

    user.refresh_from_db()
    assert sorted(user.groups.values_list("name", flat=True)) == ["Kiosk", "Newsletter"]
    assert user.is_staff is False


@pytest.mark.django_db
def test_a_superuser_keeps_admin_access_whatever_their_roles(roles):
    user = UserFactory(is_staff=True, is_superuser=True)

    staff_roles_set(user=user, roles={Role.ASSOCIATE})

    user.refresh_from_db()
    assert user.is_staff is True
