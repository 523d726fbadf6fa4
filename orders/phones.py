"""Customers' phone numbers: read as the store's country writes them unless typed with a
+country code, checked against that country's numbering plan, and kept in E.164
("+442079460958") so an order lookup by phone finds the number however it was typed."""

import phonenumbers
from django.core.exceptions import ValidationError
from django_countries import countries

PHONE_TYPED_MAX_CHARS = 32


def phone_example(region: str) -> str:
    """A mobile number of `region` as written there, for help texts and errors."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        return "+44 7400 123456"
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)


def phone_e164(typed: str, *, region: str) -> str:
    """`typed` in E.164; `region` (ISO 3166-1 alpha-2) is the country of a number typed
    without +country code. Raises ValidationError saying how to write it."""
    try:
        number = phonenumbers.parse(typed, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            f"“{typed}” is not a valid phone number: write it like {phone_example(region)} "
            f"({countries.name(region)}), or with its country code, like +1 212 555 0123.",
            code="invalid_phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
