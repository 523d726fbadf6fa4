"""Only PostgreSQL has real row locks: this race proves staff_membership_add serialises per user."""

import threading

import pytest
from django.db import connection

from stores.models import StaffMembership
from stores.services import staff_membership_add
from tests.factories import StoreFactory, UserFactory

RACERS = 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_stores_leave_exactly_one_primary():
    user = UserFactory()
    stores = [StoreFactory(code=f"RACE-{n}") for n in range(RACERS)]
    start = threading.Barrier(RACERS)
    errors = []

    def add(store):
        try:
            start.wait()
            staff_membership_add(user=user, store=store)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert StaffMembership.objects.filter(user=user).count() == RACERS
    assert StaffMembership.objects.filter(user=user, is_primary=True).count() == 1
