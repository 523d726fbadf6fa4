"""The admin's Preview mapping: which mapping to try (a GET, so it works without JavaScript) and
the form that tries it, with the operation's own input (`$input`) made editable.

Everything typed here is untrusted: each field has a size cap with an error that says it.
"""

from dataclasses import replace
from typing import Any

from django import forms

from partners.mapping import OrderRequest, lookup_input, order_request_sample
from partners.mapping.engine import MAX_EXPRESSION_CHARS
from partners.mapping.inputs import partner_order_input, search_input, similar_input
from partners.mapping.order_input import (
    MAX_ORDER_CHARS,
    OrderInputError,
    order_request_from_json,
    order_request_to_json,
)
from partners.models import Partner
from partners.operations import Operation

DIRECTION_CHOICES = [
    ("response", "Response: partner answer → our shape"),
    ("request", "Request: our input → what the partner receives"),
]
# Which fields make each operation's input, as the partner runtime builds it.
INPUT_FIELDS = {
    Operation.LOOKUP: ("code", "quantity"),
    Operation.SEARCH: ("query", "page"),
    Operation.SIMILAR: ("partner_product_id",),
    Operation.PLACE_ORDER: ("order",),
    Operation.ORDER_STATUS: ("partner_order_id",),
    Operation.CANCEL_ORDER: ("partner_order_id",),
}
RESPONSE_FIELDS = ("input_format", "status", "sample")
MAX_QUANTITY = 9999
MAX_PAGE = 10_000
MAX_VALUE_CHARS = 200
# Bounded by the partner's own answer size cap too: a bigger answer is refused at run time.
PREVIEW_SAMPLE_MAX_KB = 1024
CODE = {"rows": 10, "cols": 100, "class": "mapping-code"}


class MappingChoiceForm(forms.Form):
    """Which operation and direction to preview; choosing loads that saved mapping."""

    operation = forms.ChoiceField(choices=Operation.choices, required=False)
    direction = forms.ChoiceField(choices=DIRECTION_CHOICES, required=False)

    def choice(self) -> tuple[str, str]:
        """The chosen (operation, direction), each its default (lookup, response) when it was
        not chosen or is not one of the choices."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return (
            cleaned.get("operation") or Operation.LOOKUP.value,
            cleaned.get("direction") or "response",
        )


def _value_field(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(label=label, max_length=MAX_VALUE_CHARS, help_text=help_text)


class MappingPreviewForm(forms.Form):
    """The mapping of one operation and direction, with only the inputs that operation has.

    `cleaned_data["operation_input"]` is what the mapping receives: `$` in a request mapping,
    `$input` in a response mapping, built exactly as the partner runtime builds it."""

    operation = forms.ChoiceField(choices=Operation.choices, widget=forms.HiddenInput)
    direction = forms.ChoiceField(choices=DIRECTION_CHOICES, widget=forms.HiddenInput)
    expression = forms.CharField(
        max_length=MAX_EXPRESSION_CHARS,
        widget=forms.Textarea(attrs=CODE),
        help_text="The JSONata mapping to try; the saved one is loaded. Nothing is saved here.",
    )
    code = _value_field(
        "Code",
        "The code as scanned or typed; $input.code is its form as partners see it (GTIN-13 "
        "for a retail barcode), $input.gtin14 its 14-digit form.",
    )
    quantity = forms.IntegerField(
        min_value=1, max_value=MAX_QUANTITY, initial=1, help_text="$input.quantity."
    )
    query = _value_field("Query", "The search text ($input.query).")
    page = forms.IntegerField(
        min_value=1, max_value=MAX_PAGE, initial=1, help_text="The page wanted ($input.page)."
    )
    partner_product_id = _value_field(
        "Partner product id", "The partner's id of a product ($input.partner_product_id)."
    )
    partner_order_id = _value_field(
        "Partner order id", "The partner's id of an order ($input.partner_order_id)."
    )
    order = forms.CharField(
        label="Sample order",
        max_length=MAX_ORDER_CHARS,
        widget=forms.Textarea(attrs={**CODE, "rows": 16}),
        help_text="The order the mapping receives, as JSON. Edit it freely: lines, quantities, "
        "costs, address.",
    )
    input_format = forms.ChoiceField(
        choices=[("json", "JSON"), ("xml", "XML")], help_text="Of the sample answer."
    )
    status = forms.IntegerField(
        min_value=100, max_value=599, initial=200, help_text="HTTP status of the sample answer."
    )
    sample = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={**CODE, "rows": 12}),
        help_text="Paste the partner's answer (its body); the mapping receives "
        '{"status", "headers", "body"}.',
    )

    def __init__(self, *args, partner: Partner, operation: str, direction: str, **kwargs):
        self.partner = partner
        initial = {"operation": operation, "direction": direction, **kwargs.pop("initial", {})}
        if operation == Operation.PLACE_ORDER:
            initial.setdefault("order", order_request_to_json(sample_order(partner)))
        super().__init__(*args, initial=initial, **kwargs)
        wanted = {"operation", "direction", "expression", *INPUT_FIELDS[Operation(operation)]}
        if direction == "response":
            wanted.update(RESPONSE_FIELDS)
        for name in set(self.fields) - wanted:
            del self.fields[name]
        if "order" in self.fields and partner.one_item_per_order:
            self.fields[
                "order"
            ].help_text += f" {partner} takes one item per order, so each request carries one line."

    def clean_sample(self) -> str:
        sample = self.cleaned_data["sample"]
        cap_kb = min(self.partner.max_response_kb, PREVIEW_SAMPLE_MAX_KB)
        size = len(sample.encode("utf-8", "surrogatepass"))
        if size > cap_kb * 1024:
            raise forms.ValidationError(
                f"The sample is {-(-size // 1024):,} KB; at most {cap_kb:,} KB can be previewed "
                f"for {self.partner}."
            )
        return sample

    def clean_order(self):
        try:
            order = order_request_from_json(self.cleaned_data["order"])
        except OrderInputError as error:
            raise forms.ValidationError(error.problems) from None
        if self.partner.one_item_per_order and len(order.lines) != 1:
            raise forms.ValidationError(
                f"{self.partner} takes one item per order: each line is sent as its own order, "
                f"so give one line (this order has {len(order.lines)})."
            )
        return order

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        operation = Operation(cleaned["operation"])
        if operation == Operation.LOOKUP:
            try:
                cleaned["operation_input"] = lookup_input(cleaned["code"], cleaned["quantity"])
            except ValueError as error:
                self.add_error("code", str(error))
        elif operation == Operation.SEARCH:
            cleaned["operation_input"] = search_input(cleaned["query"], cleaned["page"])
        elif operation == Operation.SIMILAR:
            cleaned["operation_input"] = similar_input(cleaned["partner_product_id"])
        elif operation == Operation.PLACE_ORDER:
            cleaned["operation_input"] = cleaned["order"].to_mapping_input()
        else:
            cleaned["operation_input"] = partner_order_input(cleaned["partner_order_id"])
        return cleaned


def sample_order(partner: Partner) -> OrderRequest:
    """The prefilled order: two lines, or one for a partner that takes one item per order."""
    order = order_request_sample()
    return replace(order, lines=order.lines[:1]) if partner.one_item_per_order else order
