"""Checkout's customer and delivery forms. Neither takes a price: totals are the server's
(orders/totals.py).

The delivery form offers only the countries every partner in the cart ships to (`ShippingCountries`)
and says why others are missing; delivery to the store for pickup asks no address and uses the
store's. Postal codes and regions follow each country's rules (orders/postal_codes.py,
orders/regions.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django_countries import countries

from catalog.models import CUSTOMER_NAME_MAX_LENGTH
from orders.phones import PHONE_TYPED_MAX_CHARS, phone_e164, phone_example
from orders.postal_codes import (
    POSTAL_CODE_MAX_CHARS,
    PostalCodeError,
    postal_code_label,
    postal_code_missing,
    postal_code_normalised,
)
from orders.regions import REGION_MAX_CHARS, region_code, region_rule
from orders.shipping_countries import ShippingCountries
from stores.models import Store

EMAIL_MAX_CHARS = 254  # RFC 5321's limit on a forward path
CUSTOMER_NOTE_MAX_CHARS = 500
ADDRESS_LINE_MAX_CHARS = 200
CITY_MAX_CHARS = 100


def _single_line(value: str) -> None:
    # A label printer or a partner's API would split the address at a line break.
    if any(character in value for character in "\r\n\t"):
        raise ValidationError("Keep it on one line.", code="line_break")


class CustomerForm(forms.Form):
    name = forms.CharField(label="Customer's name", max_length=CUSTOMER_NAME_MAX_LENGTH)
    email = forms.EmailField(label="E-mail", max_length=EMAIL_MAX_CHARS)
    phone = forms.CharField(max_length=PHONE_TYPED_MAX_CHARS)
    email_updates = forms.BooleanField(
        label="The customer agrees to e-mail updates about this order",
        required=False,
        initial=False,
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=CUSTOMER_NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, region: str, **kwargs: Any) -> None:
        """`region`: the store's country, whose numbers may be typed without +country code."""
        super().__init__(*args, **kwargs)
        self.region = region
        self.fields["phone"].help_text = (
            f"For example {phone_example(region)}; start with + and the country code for a "
            f"number outside {countries.name(region)}."
        )

    def clean_phone(self) -> str:
        return phone_e164(self.cleaned_data["phone"], region=self.region)


class DeliveryMethod(models.TextChoices):
    TO_CUSTOMER = "customer", "Deliver to the customer"
    STORE_PICKUP = "store", "Deliver to the store for pickup"


@dataclass(frozen=True)
class Address:
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str  # ISO 3166-1 alpha-2


@dataclass(frozen=True)
class Delivery:
    method: DeliveryMethod
    address: Address  # the store's for pickup

    @property
    def is_pickup(self) -> bool:
        return self.method == DeliveryMethod.STORE_PICKUP


def store_address(store: Store) -> Address:
    return Address(
        line1=store.address_line1,
        line2=store.address_line2,
        city=store.city,
        region=store.region,
        postal_code=store.postal_code,
        country=str(store.country),
    )


class DeliveryForm(forms.Form):
    method = forms.ChoiceField(
        label="Delivery", choices=DeliveryMethod.choices, widget=forms.RadioSelect
    )
    # Each checked in `clean` when the parcel goes to the customer: pickup asks for none.
    country = forms.CharField(required=False, max_length=2)
    address_line1 = forms.CharField(
        label="Address line 1",
        required=False,
        max_length=ADDRESS_LINE_MAX_CHARS,
        validators=[_single_line],
    )
    address_line2 = forms.CharField(
        label="Address line 2 (optional)",
        required=False,
        max_length=ADDRESS_LINE_MAX_CHARS,
        validators=[_single_line],
    )
    city = forms.CharField(
        label="Town or city", required=False, max_length=CITY_MAX_CHARS, validators=[_single_line]
    )
    region = forms.CharField(required=False, max_length=REGION_MAX_CHARS, validators=[_single_line])
    postal_code = forms.CharField(required=False, max_length=POSTAL_CODE_MAX_CHARS)

    def __init__(
        self, *args: Any, shipping: ShippingCountries, store: Store, **kwargs: Any
    ) -> None:
        """`shipping`: the countries the cart's partners ship to; `store`: where a pickup
        parcel goes, and the country offered first."""
        super().__init__(*args, **kwargs)
        self.shipping = shipping
        self.store = store
        allowed = shipping.allowed
        store_country = str(store.country)
        country = self.fields["country"]
        offered = sorted(((code, countries.name(code)) for code in allowed), key=lambda c: c[1])
        country.widget = forms.Select(choices=[("", "Choose a country"), *offered])
        country.help_text = shipping.explanation()
        if store_country in allowed:
            country.initial = store_country
        elif len(allowed) == 1:
            country.initial = next(iter(allowed))
        # Labels for the country shown first; the page relabels them when the country changes.
        shown = self.data.get(self.add_prefix("country")) or country.initial or store_country
        self.fields["postal_code"].label = postal_code_label(shown)
        self.fields["region"].label = region_rule(shown).label

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        method = data.get("method")
        if method == DeliveryMethod.STORE_PICKUP:
            store_country = str(self.store.country)
            if store_country not in self.shipping.allowed:
                self.add_error(
                    "method",
                    "Delivery to the store is not offered: " + self.shipping.why_not(store_country),
                )
        elif method == DeliveryMethod.TO_CUSTOMER:
            self._clean_address(data)
        return data

    def _clean_address(self, data: dict[str, Any]) -> None:
        if not self.shipping.allowed:
            self.add_error("method", self.shipping.explanation())
            return
        country = data.get("country", "")
        if not country:
            self.add_error("country", "Choose the country to deliver to.")
            return
        if country not in self.shipping.allowed:
            self.add_error("country", "Not offered: " + self.shipping.why_not(country))
            return
        for field, message in (
            ("address_line1", "Enter the street address."),
            ("city", "Enter the town or city."),
        ):
            if field in data and not data[field]:
                self.add_error(field, message)
        postal_code = data.get("postal_code", "")
        if not postal_code and (missing := postal_code_missing(country)):
            self.add_error("postal_code", missing)
        elif "postal_code" in data:
            try:
                data["postal_code"] = postal_code_normalised(postal_code, country)
            except PostalCodeError as error:
                self.add_error("postal_code", str(error))
        self._clean_region(data, country)

    def _clean_region(self, data: dict[str, Any], country: str) -> None:
        rule = region_rule(country)
        typed = data.get("region", "")
        if "region" not in data or not rule.choices:
            return
        if not typed:
            self.add_error("region", f"Choose the {rule.label.lower()}.")
        elif (code := region_code(rule, typed)) is None:
            self.add_error(
                "region",
                f"“{typed}” is not a {rule.label.lower()} of {countries.name(country)}: "
                "choose one from the list.",
            )
        else:
            data["region"] = code

    def delivery(self) -> Delivery:
        """The delivery chosen; only after `is_valid()`."""
        data = self.cleaned_data
        method = DeliveryMethod(data["method"])
        if method == DeliveryMethod.STORE_PICKUP:
            return Delivery(method, store_address(self.store))
        return Delivery(
            method,
            Address(
                line1=data["address_line1"],
                line2=data["address_line2"],
                city=data["city"],
                region=data["region"],
                postal_code=data["postal_code"],
                country=data["country"],
            ),
        )
