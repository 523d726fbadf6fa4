"""The checkout page's payment choice and the hidden fields that make Pay safe to press twice.

- `checkout_token`: a UUID made when the page is rendered; the order's unique checkout token,
  so a second POST of the same page finds the first order.
- `confirmed`: the prices the page showed (line unit prices and total), signed by the server
  so they can only be prices the server itself showed; the checkout service re-prices anyway
  and stops if they differ (`PricesChanged`).
- `card_tokens`: the gateway's single-use tokens, one per partner order, comma-separated. The
  card's number, expiry and CVC have no field here: the page's script sends them to the
  gateway, never to us.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.views.decorators.debug import sensitive_variables

from catalog.models import MONEY_DIGITS, MONEY_PLACES
from orders.checkout_services import CardTokens, SeenPrices, TillPayment
from orders.models import Order

SEEN_SALT = "orders.checkout.seen-prices"
TILL_REFERENCE_MAX_CHARS = 120  # Order.payment_reference
CARD_TOKEN_MAX_CHARS = 200
CARD_TOKENS_MAX = 50


def seen_signed(seen: SeenPrices, checkout_token: uuid.UUID) -> str:
    """`seen` for the page, bound to its checkout token."""
    return signing.dumps(
        {
            "token": str(checkout_token),
            "prices": {str(pk): str(price) for pk, price in seen.unit_prices.items()},
            "total": str(seen.total),
        },
        salt=SEEN_SALT,
    )


class PaymentForm(forms.Form):
    method = forms.ChoiceField(
        label="Payment", choices=Order.PaymentMethod.choices, widget=forms.RadioSelect
    )
    receipt_reference = forms.CharField(
        label="Till receipt reference", required=False, max_length=TILL_REFERENCE_MAX_CHARS
    )
    till_amount = forms.DecimalField(
        label="Amount the till took",
        required=False,
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        min_value=Decimal(0),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    card_tokens = forms.CharField(
        required=False,
        max_length=(CARD_TOKEN_MAX_CHARS + 1) * CARD_TOKENS_MAX,
        widget=forms.HiddenInput,
    )
    # Shown back to the associate only: the order stores what the gateway says.
    card_brand = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    card_last4 = forms.CharField(required=False, max_length=4, widget=forms.HiddenInput)
    checkout_token = forms.UUIDField(widget=forms.HiddenInput)
    confirmed = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, cards_enabled: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not cards_enabled:
            self.fields["method"].choices = [
                (value, label)
                for value, label in Order.PaymentMethod.choices
                if value != Order.PaymentMethod.CARD
            ]

    def clean_confirmed(self) -> str:
        try:
            signing.loads(self.cleaned_data["confirmed"], salt=SEEN_SALT)
        except signing.BadSignature:
            raise forms.ValidationError(
                "This page is out of date: check the order again.", code="bad_signature"
            ) from None
        return self.cleaned_data["confirmed"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        method = data.get("method")
        if method == Order.PaymentMethod.TILL:
            if not data.get("receipt_reference", "").strip():
                self.add_error("receipt_reference", "Type the reference printed on the receipt.")
            if data.get("till_amount") is None and "till_amount" not in self.errors:
                self.add_error("till_amount", "Type the amount the till took.")
        elif method == Order.PaymentMethod.CARD and not self._tokens():
            self.add_error(
                "card_tokens", "Enter the card and press Pay (the card form needs JavaScript)."
            )
        return data

    @sensitive_variables("tokens")
    def _tokens(self) -> tuple[str, ...]:
        tokens = tuple(
            token.strip() for token in self.cleaned_data.get("card_tokens", "").split(",")
        )
        if not all(tokens) or any(len(token) > CARD_TOKEN_MAX_CHARS for token in tokens):
            return ()
        return tokens

    def seen(self) -> SeenPrices | None:
        """The prices the page showed, if they were shown for this checkout token."""
        data = signing.loads(self.cleaned_data["confirmed"], salt=SEEN_SALT)
        if data["token"] != str(self.cleaned_data["checkout_token"]):
            return None
        return SeenPrices(
            unit_prices={int(pk): Decimal(price) for pk, price in data["prices"].items()},
            total=Decimal(data["total"]),
        )

    @sensitive_variables("tokens")
    def payment(self) -> TillPayment | CardTokens:
        """The payment chosen; only after `is_valid()`."""
        data = self.cleaned_data
        if data["method"] == Order.PaymentMethod.CARD:
            return CardTokens(tokens=self._tokens())
        return TillPayment(receipt_reference=data["receipt_reference"], amount=data["till_amount"])


def cards_enabled() -> bool:
    return bool(settings.PAYMENT_CARDS_ENABLED)
