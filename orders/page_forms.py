"""The order pages' GET forms: the list's filters and the lookup box."""

from django import forms

from orders.selectors import OrderFilters
from orders.statuses import OrderStatus

LOOKUP_MAX_CHARS = 254  # the longest e-mail address a field accepts


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *OrderStatus.choices])
    partner = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, partners: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = [("", "Any partner"), *partners]

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("The “From” date must not be after the “To” date.")
        return cleaned

    def filters(self) -> OrderFilters:
        """The filters that are valid (the page says what is wrong with the others); dates
        the wrong way round are both left out."""
        self.is_valid()
        data = self.cleaned_data
        dates_apply = not self.non_field_errors()
        return OrderFilters(
            status=data.get("status", ""),
            partner_id=data.get("partner"),
            date_from=data.get("date_from") if dates_apply else None,
            date_to=data.get("date_to") if dates_apply else None,
        )


class OrderLookupForm(forms.Form):
    q = forms.CharField(
        label="Order number, customer e-mail or phone",
        max_length=LOOKUP_MAX_CHARS,
        strip=True,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
