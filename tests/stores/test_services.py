import pytest

from stores.models import StaffMembership
from stores.roles import Role
from stores.services import staff_membership_add, staff_role_assign
from tests.factories import UserFactory


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
def test_a_merchandiser_gets_admin_access_and_an_associate_does_not():
    merchandiser, associate = UserFactory(), UserFactory()

    staff_role_assign(user=merchandiser, role=Role.MERCHANDISER)
    staff_role_assign(user=associate, role=Role.ASSOCIATE)

    merchandiser.refresh_from_db()
    associate.refresh_from_db()
    assert (merchandiser.is_staff, associate.is_staff) == (True, False)
    assert list(merchandiser.groups.values_list("name", flat=True)) == ["Merchandiser"]
