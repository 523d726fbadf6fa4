"""Checkout's customer and delivery forms: phone numbers, postal codes and regions per country,
the countries a cart's partners ship to, and pickup at the store. No database: the store and
partners are built, not saved."""

import pytest

from orders.checkout_forms import Address, CustomerForm, DeliveryForm, DeliveryMethod
from orders.postal_codes import PostalCodeError, postal_code_normalised
from orders.shipping_countries import ShippingCountries
from tests.factories import PartnerFactory, StoreFactory

LEEDS = StoreFactory.build(
    code="LDS-01",
    address_line1="1 High Street",
    address_line2="Unit 4",
    city="Leeds",
    region="West Yorkshire",
    postal_code="LS1 1AA",
    country="GB",
)
CUSTOMER = {"name": "Ada Lovelace", "email": "ada@example.com", "phone": "020 7946 0958"}
EVERYWHERE = ["GB", "IE", "US", "CA", "DE", "FR", "NL"]


def shipping(*ships_to: list[str]) -> ShippingCountries:
    return ShippingCountries.of(
        PartnerFactory.build(name=name, ships_to=countries)
        for name, countries in zip(("Threadline", "Hearth", "Baywater"), ships_to, strict=False)
    )


def customer_form(**changes: str) -> CustomerForm:
    return CustomerForm({**CUSTOMER, **changes}, region="GB")


def delivery_form(data: dict, *ships_to: list[str]) -> DeliveryForm:
    return DeliveryForm(data, shipping=shipping(*(ships_to or [EVERYWHERE])), store=LEEDS)


def to_customer(**address: str) -> dict:
    return {"method": DeliveryMethod.TO_CUSTOMER, **address}


# --- Postal codes -----------------------------------------------------------------------------

VALID_POSTAL_CODES = [
    ("GB", "sw1a1aa", "SW1A 1AA"),
    ("GB", " M1  1AE ", "M1 1AE"),
    ("GB", "EC1A-1BB", "EC1A 1BB"),
    ("IE", "d02x285", "D02 X285"),
    ("IE", "D6W FX24", "D6W FX24"),
    ("US", "94105", "94105"),
    ("US", "941051420", "94105-1420"),
    ("US", "94105 - 1420", "94105-1420"),
    ("CA", "k1a0b1", "K1A 0B1"),
    ("DE", "10115", "10115"),
    ("FR", "75 001", "75001"),
    ("NL", "1234 ab", "1234 AB"),  # no known format: any short code
    ("NL", "", ""),
]


@pytest.mark.parametrize(("country", "typed", "written"), VALID_POSTAL_CODES)
def test_valid_postal_codes_are_written_the_countrys_way(country, typed, written):
    assert postal_code_normalised(typed, country) == written


INVALID_POSTAL_CODES = [
    ("GB", "SW1A", "“SW1A” is not a UK postcode: write it like SW1A 1AA."),
    ("GB", "1AA SW1", "“1AA SW1” is not a UK postcode: write it like SW1A 1AA."),
    ("IE", "B02 X285", "“B02 X285” is not an Eircode: write it like D02 X285."),
    ("US", "9410", "“9410” is not a US ZIP code: write it like 94105 or 94105-1420."),
    ("US", "94105-142", "“94105-142” is not a US ZIP code: write it like 94105 or 94105-1420."),
    ("CA", "D1A 0B1", "“D1A 0B1” is not a Canadian postal code: write it like K1A 0B1."),
    ("DE", "1011", "“1011” is not a German postal code: write it like 10115."),
    ("FR", "7500A", "“7500A” is not a French postal code: write it like 75001."),
    (
        "NL",
        "12#4",
        "Enter the postal code in letters, digits, spaces or hyphens (at most 16).",
    ),
]


@pytest.mark.parametrize(("country", "typed", "message"), INVALID_POSTAL_CODES)
def test_invalid_postal_codes_are_refused_with_an_example(country, typed, message):
    with pytest.raises(PostalCodeError) as refused:
        postal_code_normalised(typed, country)
    assert str(refused.value) == message


# --- Customer ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("020 7946 0958", "+442079460958"),  # national: read as the store's country (GB)
        ("07400 123456", "+447400123456"),
        ("+353 87 123 4567", "+353871234567"),  # international
        ("00353 87 123 4567", "+353871234567"),  # the UK's international prefix
        ("+1 (415) 555-2671", "+14155552671"),
    ],
)
def test_phone_numbers_are_kept_in_e164(typed, e164):
    form = customer_form(phone=typed)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone"] == e164


def test_a_national_number_is_read_as_the_stores_country():
    # Given a store in Ireland, when its customer's number is typed without +353
    form = CustomerForm({**CUSTOMER, "phone": "087 123 4567"}, region="IE")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone"] == "+353871234567"


@pytest.mark.parametrize("typed", ["12345", "020 7946 09581234", "call me", "+44 20"])
def test_an_invalid_phone_number_is_refused_with_how_to_write_it(typed):
    form = customer_form(phone=typed)

    assert not form.is_valid()
    assert form.errors["phone"] == [
        f"“{typed}” is not a valid phone number: write it like 07400 123456 (United Kingdom), "
        "or with its country code, like +1 212 555 0123."
    ]
    assert "phone" not in form.cleaned_data


def test_email_updates_are_off_unless_the_customer_agrees():
    silent, agreed = customer_form(), customer_form(email_updates="on")

    assert silent.is_valid() and agreed.is_valid()
    assert silent.cleaned_data["email_updates"] is False
    assert agreed.cleaned_data["email_updates"] is True
    assert silent.fields["email_updates"].initial is False


def test_the_note_is_optional_and_bounded():
    without, fits, too_long = (
        customer_form(),
        customer_form(note="  Leave with the neighbour  "),
        customer_form(note="x" * 501),
    )

    assert without.is_valid() and without.cleaned_data["note"] == ""
    assert fits.is_valid() and fits.cleaned_data["note"] == "Leave with the neighbour"
    assert not too_long.is_valid()
    assert too_long.errors["note"] == ["Ensure this value has at most 500 characters (it has 501)."]


def test_name_email_and_phone_are_required():
    form = CustomerForm({}, region="GB")

    assert not form.is_valid()
    assert set(form.errors) == {"name", "email", "phone"}


# --- Delivery: pickup -------------------------------------------------------------------------


def test_pickup_asks_no_address_and_uses_the_stores():
    # Given address fields left with rubbish from an earlier choice
    form = delivery_form(
        {"method": DeliveryMethod.STORE_PICKUP, "postal_code": "nonsense", "country": "FR"}
    )

    assert form.is_valid(), form.errors
    delivery = form.delivery()
    assert delivery.is_pickup
    assert delivery.address == Address(
        line1="1 High Street",
        line2="Unit 4",
        city="Leeds",
        region="West Yorkshire",
        postal_code="LS1 1AA",
        country="GB",
    )


def test_pickup_is_refused_when_a_partner_does_not_ship_to_the_stores_country():
    form = delivery_form({"method": DeliveryMethod.STORE_PICKUP}, ["GB", "IE"], ["IE"])

    assert not form.is_valid()
    assert form.errors["method"] == [
        "Delivery to the store is not offered: Hearth does not ship to United Kingdom."
    ]


# --- Delivery: to the customer ----------------------------------------------------------------

ADDRESSES = [
    (
        {"country": "GB", "city": "London", "postal_code": "sw1a1aa", "region": ""},
        Address("10 Downing St", "", "London", "", "SW1A 1AA", "GB"),
    ),
    (
        {"country": "IE", "city": "Dublin", "postal_code": "d02 x285", "region": "Dublin"},
        Address("10 Downing St", "", "Dublin", "Dublin", "D02 X285", "IE"),
    ),
    (
        {"country": "US", "city": "San Francisco", "postal_code": "94105", "region": "california"},
        Address("10 Downing St", "", "San Francisco", "CA", "94105", "US"),
    ),
    (
        {"country": "CA", "city": "Ottawa", "postal_code": "K1A0B1", "region": "on"},
        Address("10 Downing St", "", "Ottawa", "ON", "K1A 0B1", "CA"),
    ),
    (
        {"country": "DE", "city": "Berlin", "postal_code": "10115"},
        Address("10 Downing St", "", "Berlin", "", "10115", "DE"),
    ),
    (
        {"country": "NL", "city": "Amsterdam"},  # no known format: the code may be left out
        Address("10 Downing St", "", "Amsterdam", "", "", "NL"),
    ),
]


@pytest.mark.parametrize(("fields", "address"), ADDRESSES)
def test_an_address_is_checked_and_normalised_by_its_country(fields, address):
    form = delivery_form(to_customer(address_line1="10 Downing St", **fields))

    assert form.is_valid(), form.errors
    assert form.delivery().method == DeliveryMethod.TO_CUSTOMER
    assert form.delivery().address == address


def test_each_countrys_required_fields_are_asked_for():
    us, de = (
        delivery_form(to_customer(country="US")),
        delivery_form(to_customer(country="DE", region="Berlin", postal_code="1O115")),
    )

    assert not us.is_valid() and not de.is_valid()
    assert us.errors == {
        "address_line1": ["Enter the street address."],
        "city": ["Enter the town or city."],
        "postal_code": ["Enter a US ZIP code."],
        "region": ["Choose the state."],
    }
    assert de.errors == {
        "address_line1": ["Enter the street address."],
        "city": ["Enter the town or city."],
        "postal_code": ["“1O115” is not a German postal code: write it like 10115."],
    }


def test_a_state_not_on_the_list_is_refused():
    form = delivery_form(
        to_customer(
            country="US", address_line1="1 Main St", city="X", postal_code="10001", region="Puerto"
        )
    )

    assert not form.is_valid()
    assert form.errors["region"] == [
        "“Puerto” is not a state of United States of America: choose one from the list."
    ]


def test_an_address_line_stays_on_one_line():
    form = delivery_form(
        to_customer(country="GB", address_line1="1 Road\nEvil", city="Leeds", postal_code="LS1 1AA")
    )

    assert not form.is_valid()
    assert form.errors["address_line1"] == ["Keep it on one line."]


# --- Delivery: countries the partners ship to -------------------------------------------------


def test_only_countries_every_partner_ships_to_are_offered_and_explained():
    form = delivery_form({}, ["GB", "IE", "FR"], ["IE", "GB", "DE"])

    country = form.fields["country"]
    assert country.widget.choices == [
        ("", "Choose a country"),
        ("IE", "Ireland"),
        ("GB", "United Kingdom"),
    ]
    assert country.initial == "GB"  # the store's
    assert country.help_text == (
        "Only countries every partner in the cart ships to: Threadline ships to FR, GB, IE; "
        "Hearth ships to DE, GB, IE."
    )


def test_the_explanation_is_left_out_when_no_partner_limits_the_others():
    form = delivery_form({}, ["GB", "IE"], ["IE", "GB"])

    assert form.fields["country"].help_text == ""


def test_a_country_not_offered_is_refused_naming_the_partners():
    form = delivery_form(
        to_customer(country="FR", address_line1="1 Rue", city="Paris", postal_code="75001"),
        ["GB", "FR"],
        ["GB"],
        ["GB", "IE"],
    )

    assert not form.is_valid()
    assert form.errors == {"country": ["Not offered: Hearth and Baywater do not ship to France."]}


def test_delivery_to_the_customer_is_refused_when_the_partners_share_no_country():
    form = delivery_form(to_customer(country="GB"), ["GB"], ["IE"])

    assert not form.is_valid()
    assert form.errors == {
        "method": [
            "No country is shipped to by every partner in the cart: Threadline ships to GB; "
            "Hearth ships to IE."
        ]
    }


def test_the_postal_code_and_region_are_labelled_for_the_country_chosen():
    us, store_country = delivery_form({"country": "US"}), delivery_form({})

    assert (us.fields["postal_code"].label, us.fields["region"].label) == ("ZIP code", "State")
    assert (
        store_country.fields["postal_code"].label,
        store_country.fields["region"].label,
    ) == ("Postcode", "County")
