"""Forms of the go-live tools: Send test order and the sign-off of orders."""

from django import forms
from django.core.exceptions import ValidationError

from partners.mapping import Address, Contact, OrderLine
from partners.models import Partner
from partners.proofs import SIGN_OFF_REASON_MAX_CHARS, SIGN_OFF_REASON_MIN_CHARS
from partners.test_orders import (
    TEST_ADDRESS,
    TEST_ORDER_LINES_MAX,
    TEST_ORDER_LINES_MIN,
    test_order_item_choices,
    test_order_line,
)


class TestOrderForm(forms.Form):
    """A sample order: lines from the partner's own lookup answers, a test address."""

    items = forms.MultipleChoiceField(
        label="Lines",
        widget=forms.CheckboxSelectMultiple,
        help_text=f"Choose {TEST_ORDER_LINES_MIN} to {TEST_ORDER_LINES_MAX} items, from what "
        "the partner answered to Test connection lookups.",
    )
    quantity = forms.IntegerField(min_value=1, max_value=10, initial=1, help_text="Of each line.")
    name = forms.CharField(max_length=100, initial=TEST_ADDRESS["name"])
    line1 = forms.CharField(label="Address", max_length=200, initial=TEST_ADDRESS["line1"])
    city = forms.CharField(max_length=100, initial=TEST_ADDRESS["city"])
    postal_code = forms.CharField(max_length=20, initial=TEST_ADDRESS["postal_code"])
    country = forms.CharField(
        max_length=2, initial=TEST_ADDRESS["country"], help_text="Two letters, e.g. GB."
    )
    email = forms.EmailField(initial=TEST_ADDRESS["email"])
    confirm = forms.BooleanField(required=True)

    def __init__(self, *args, partner: Partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.item_choices = test_order_item_choices(partner)
        self.fields["items"].choices = [
            (key, item["label"]) for key, item in self.item_choices.items()
        ]
        self.fields[
            "confirm"
        ].label = f"I understand that {partner} will really receive this order."

    def clean_items(self) -> list[str]:
        keys = self.cleaned_data["items"]
        if not TEST_ORDER_LINES_MIN <= len(keys) <= TEST_ORDER_LINES_MAX:
            raise ValidationError(
                f"Choose {TEST_ORDER_LINES_MIN} to {TEST_ORDER_LINES_MAX} lines: an order of "
                "two lines shows whether every line reaches the partner."
            )
        return keys

    def clean_country(self) -> str:
        country = self.cleaned_data["country"].strip().upper()
        if len(country) != 2 or not country.isascii() or not country.isalpha():
            raise ValidationError("Two letters, e.g. GB.")
        return country

    def order_parts(self) -> tuple[list[OrderLine], Address, Contact]:
        data = self.cleaned_data
        lines = [test_order_line(self.item_choices[key], data["quantity"]) for key in data["items"]]
        ship_to = Address(
            name=data["name"],
            line1=data["line1"],
            city=data["city"],
            postal_code=data["postal_code"],
            country=data["country"],
        )
        return lines, ship_to, Contact(name=data["name"], email=data["email"])


class SignOffForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        min_length=SIGN_OFF_REASON_MIN_CHARS,
        max_length=SIGN_OFF_REASON_MAX_CHARS,
        help_text='Why orders cannot be tested, e.g. "The partner has no test mode; its '
        'documentation was checked with them on a call on 3 March."',
    )
