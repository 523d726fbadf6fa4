import zoneinfo

import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import validate_email


def validate_currency_code(value: str) -> None:
    if pycountry.currencies.get(alpha_3=value) is None or value != value.upper():
        raise ValidationError(
            "%(value)s is not an ISO 4217 currency code (e.g. GBP, EUR).", params={"value": value}
        )


def validate_timezone_name(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not a time zone name (e.g. Europe/London).", params={"value": value}
        )


def email_addresses(value: str) -> list[str]:
    """Split a list of addresses written one per line or separated by commas."""
    return [part.strip() for part in value.replace(",", "\n").splitlines() if part.strip()]


def validate_email_list(value: str) -> None:
    for address in email_addresses(value):
        try:
            validate_email(address)
        except ValidationError as error:
            raise ValidationError(
                "%(value)s is not a valid e-mail address.", params={"value": address}
            ) from error
