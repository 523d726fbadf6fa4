import pytest
from django.core.exceptions import ValidationError

from stores.models import StaffMembership
from tests.factories import StoreFactory, UserFactory


@pytest.mark.django_db
def test_a_valid_store_passes_validation():
    store = StoreFactory.build(notification_emails="a@example.com,\nb@example.com")

    store.full_clean()

    assert store.notification_email_list == ["a@example.com", "b@example.com"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("currency", "EUD", "EUD is not an ISO 4217 currency code (e.g. GBP, EUR)."),
        ("currency", "gbp", "gbp is not an ISO 4217 currency code (e.g. GBP, EUR)."),
        ("timezone", "Europe/Londn", "Europe/Londn is not a time zone name (e.g. Europe/London)."),
        (
            "notification_emails",
            "ok@example.com\nnot-an-address",
            "not-an-address is not a valid e-mail address.",
        ),
        ("country", "XX", "Value 'XX' is not a valid choice."),
    ],
)
def test_bad_store_values_are_named(field, value, message):
    store = StoreFactory.build(**{field: value})

    with pytest.raises(ValidationError) as error:
        store.full_clean()

    assert error.value.message_dict == {field: [message]}


@pytest.mark.django_db
def test_a_second_primary_store_is_refused_with_a_clear_message(store, other_store):
    user = UserFactory()
    StaffMembership.objects.create(user=user, store=store, is_primary=True)
    second = StaffMembership(user=user, store=other_store, is_primary=True)

    with pytest.raises(ValidationError) as error:
        second.full_clean()

    assert error.value.messages == ["This person already has a primary store."]
    assert StaffMembership.objects.filter(user=user).count() == 1
