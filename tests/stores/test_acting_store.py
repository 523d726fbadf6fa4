import pytest

from stores.middleware import ACTING_STORE_SESSION_KEY
from stores.roles import Role
from stores.selectors import store_acting_for, store_memberships_of


@pytest.mark.django_db
def test_a_user_acts_for_their_primary_store(user_in_role, store, other_store):
    user = user_in_role(Role.MANAGER, stores=[other_store, store])

    assert store_acting_for(list(store_memberships_of(user))) == other_store


@pytest.mark.django_db
def test_a_switched_store_wins_over_the_primary(user_in_role, store, other_store):
    user = user_in_role(Role.MANAGER, stores=[store, other_store])

    assert store_acting_for(list(store_memberships_of(user)), "DUB-01") == other_store


@pytest.mark.django_db
def test_a_store_the_user_does_not_work_at_is_ignored(user_in_role, store, other_store):
    user = user_in_role(Role.ASSOCIATE, stores=[store])

    assert store_acting_for(list(store_memberships_of(user)), "DUB-01") == store


@pytest.mark.django_db
def test_an_inactive_store_is_not_acted_for(user_in_role, store):
    user = user_in_role(Role.ASSOCIATE, stores=[store])
    store.is_active = False
    store.save()

    assert store_acting_for(list(store_memberships_of(user))) is None


@pytest.mark.django_db
def test_switching_store_changes_the_store_shown(client, user_in_role, store, other_store):
    user = user_in_role(Role.MANAGER, stores=[store, other_store])
    client.force_login(user)

    response = client.post("/stores/switch/", {"store": "DUB-01", "next": "/"}, follow=True)

    assert response.redirect_chain == [("/", 302)]
    assert response.context["acting_store"] == other_store
    assert client.session[ACTING_STORE_SESSION_KEY] == "DUB-01"


@pytest.mark.django_db
def test_switching_to_a_foreign_store_is_refused(client, user_in_role, store, other_store):
    user = user_in_role(Role.ASSOCIATE, stores=[store])
    client.force_login(user)

    response = client.post("/stores/switch/", {"store": "DUB-01"}, follow=True)

    assert response.context["acting_store"] == store
    assert ACTING_STORE_SESSION_KEY not in client.session
    assert [str(m) for m in response.context["messages"]] == ["You do not work at that store."]


@pytest.mark.django_db
def test_switching_never_redirects_off_site(client, user_in_role, store, other_store):
    client.force_login(user_in_role(Role.MANAGER, stores=[store, other_store]))

    response = client.post("/stores/switch/", {"store": "DUB-01", "next": "https://evil.example/"})

    assert response["Location"] == "/"
