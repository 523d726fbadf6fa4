"""The admin with OIDC on: roles and stores are read-only there, with a note on where they live;
and the admin is for merchandisers and superusers only, whatever "staff status" says."""

import pytest
from django.contrib.auth.models import Group

from stores.models import StaffMembership
from stores.roles import Role
from tests.conftest import OIDC_BACKEND, oidc_settings
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOTE = (
    "Roles and stores are managed in the identity provider (Amazon Cognito): change the user's "
    "groups and their custom:store_codes attribute there."
)


@pytest.fixture
def superuser_client(client, roles):
    client.force_login(UserFactory(username="ada", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def oidc_superuser_client(client, roles, settings, oidc_provider):
    """OIDC on, and a superuser who signed in through the provider."""
    oidc_settings(settings, oidc_provider)
    client.force_login(
        UserFactory(username="ada", is_staff=True, is_superuser=True), backend=OIDC_BACKEND
    )
    return client


def test_with_oidc_on_a_users_roles_and_stores_are_read_only(
    oidc_superuser_client, user_in_role, other_store
):
    # Given OIDC on, and an associate at LDN-01
    asha = user_in_role(Role.ASSOCIATE, username="asha")
    url = f"/admin/auth/user/{asha.pk}/change/"

    page = oidc_superuser_client.get(url).content.decode()
    # When a superuser posts the form with a manager role and another store anyway
    oidc_superuser_client.post(
        url,
        {
            "username": "asha",
            "first_name": "Asha",
            "last_name": "",
            "email": "",
            "is_active": "on",
            "is_staff": "on",
            "groups": [Group.objects.get(name=Role.MANAGER.value).pk],
            "date_joined_0": "2026-11-30",
            "date_joined_1": "09:00:00",
            "store_memberships-TOTAL_FORMS": "1",
            "store_memberships-INITIAL_FORMS": "0",
            "store_memberships-0-store": other_store.pk,
            "store_memberships-0-is_primary": "on",
        },
    )

    # Then the page says where to change them, and nothing changed but the name
    assert NOTE in page
    assert 'name="groups"' not in page
    assert 'name="is_staff"' not in page
    assert 'name="store_memberships-MAX_NUM_FORMS" value="0"' in page
    assert '<select name="store_memberships-0-store"' not in page
    asha.refresh_from_db()
    assert asha.first_name == "Asha"
    assert list(asha.groups.values_list("name", flat=True)) == [Role.ASSOCIATE.value]
    assert asha.is_staff is False
    assert list(StaffMembership.objects.filter(user=asha).values_list("store__code")) == [
        ("LDN-01",)
    ]


def test_with_oidc_on_the_store_page_says_where_staff_are_managed(
    oidc_superuser_client, user_in_role, store
):
    user_in_role(Role.ASSOCIATE, username="asha")

    page = oidc_superuser_client.get(f"/admin/stores/store/{store.pk}/change/").content.decode()

    assert NOTE in page
    assert 'name="memberships-MAX_NUM_FORMS" value="0"' in page
    assert '<select name="memberships-0-user"' not in page


def test_with_oidc_off_roles_and_stores_stay_editable(superuser_client, user_in_role):
    asha = user_in_role(Role.ASSOCIATE, username="asha")

    page = superuser_client.get(f"/admin/auth/user/{asha.pk}/change/").content.decode()

    assert 'name="groups"' in page
    assert 'name="store_memberships-MAX_NUM_FORMS" value="1000"' in page
    assert '<select name="store_memberships-0-store"' in page
    assert NOTE not in page


@pytest.mark.parametrize(
    ("role", "superuser", "status"),
    [
        (Role.MERCHANDISER, False, 200),
        (None, True, 200),
        (Role.ASSOCIATE, False, 302),
        (Role.MANAGER, False, 302),
        (Role.KIOSK, False, 302),
        (None, False, 302),
    ],
)
def test_only_merchandisers_and_superusers_reach_the_admin_even_with_staff_status(
    client, user_in_role, role, superuser, status
):
    user = user_in_role(role)
    user.is_staff = True
    user.is_superuser = superuser
    user.save()
    client.force_login(user)

    response = client.get("/admin/")

    assert response.status_code == status
    if status == 302:
        assert response["Location"] == "/admin/login/?next=/admin/"
