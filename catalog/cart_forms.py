"""The cart's forms. None of them takes a price: the server prices every line itself."""

from django import forms

from catalog.cart_services import LINE_QUANTITY_MAX
from catalog.models import CUSTOMER_NAME_MAX_LENGTH

PARTNER_REF_MAX_CHARS = 50


class CartAddForm(forms.Form):
    gtin14 = forms.CharField(max_length=20)
    partner = forms.CharField(
        max_length=PARTNER_REF_MAX_CHARS, help_text="The partner's id or slug."
    )
    quantity = forms.IntegerField(min_value=1, max_value=LINE_QUANTITY_MAX)
    next = forms.CharField(max_length=2000, required=False)


class CartLineForm(forms.Form):
    line = forms.IntegerField(min_value=1)


class CartLineQuantityForm(CartLineForm):
    quantity = forms.IntegerField(min_value=1, max_value=LINE_QUANTITY_MAX)


class CartParkForm(forms.Form):
    customer_name = forms.CharField(
        label="Customer's name", max_length=CUSTOMER_NAME_MAX_LENGTH, strip=True
    )


class CartResumeForm(forms.Form):
    cart = forms.IntegerField(min_value=1)
