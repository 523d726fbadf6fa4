"""CSV import and export (django-import-export) of the product master, supplier items and
exchange rates. Each row is checked as the admin form would check it (the model's validation),
and every problem is reported against its row in the dry-run preview; nothing is written until
the merchandiser confirms. Files are bounded in size and rows by `catalog.forms`.
"""

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from catalog.models import ExchangeRate, MasterProduct, SupplierItem, validate_stored_currency
from catalog.money import currency_decimals
from catalog.services import master_product_gtins_and_prices_set, master_product_gtins_problem
from partners.mapping.gtin import Gtin, GtinError, gtin_normalise
from partners.models import Partner

GTINS_PER_PRODUCT_MAX = 100
PRICES_PER_PRODUCT_MAX = 20
_LIST_SEPARATORS = re.compile(r"[\s,;]+")
# "EUR 59.99; GBP 49.99"
_PRICE = re.compile(r"([A-Za-z]{3})\s+(\S+)")


def gtin14_from_cell(value: object) -> str:
    """A GTIN cell in any spelling → GTIN-14; ValueError with a message for the row."""
    text = "" if value is None else str(value).strip()
    try:
        return gtin_normalise(text).gtin14
    except GtinError as error:
        hint = ""
        if text.isdigit() and len(text) in (7, 11):
            hint = " (a spreadsheet may have dropped its leading 0: format the column as text)"
        raise ValueError(f"{error}{hint}") from None


class GtinWidget(widgets.Widget):
    """Reads any spelling of a GTIN; writes the form partners see (EAN-13 for retail codes)."""

    def clean(self, value, row=None, **kwargs) -> str:
        return gtin14_from_cell(value)

    def render(self, value, obj=None, **kwargs) -> str:
        return Gtin(value).code if value else ""


class GtinListWidget(widgets.Widget):
    """GTINs separated by spaces, commas or semicolons."""

    def clean(self, value, row=None, **kwargs) -> list[str]:
        cells = [cell for cell in _LIST_SEPARATORS.split(str(value or "")) if cell]
        if len(cells) > GTINS_PER_PRODUCT_MAX:
            raise ValueError(f"at most {GTINS_PER_PRODUCT_MAX} GTINs per product")
        return list(dict.fromkeys(gtin14_from_cell(cell) for cell in cells))

    def render(self, value, obj=None, **kwargs) -> str:
        return " ".join(Gtin(gtin14).code for gtin14 in value or ())


class RetailPricesWidget(widgets.Widget):
    """Prices as "EUR 59.99; GBP 49.99": a currency code and an amount each."""

    def clean(self, value, row=None, **kwargs) -> dict[str, Decimal]:
        text = str(value or "").strip()
        parts = [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]
        if len(parts) > PRICES_PER_PRODUCT_MAX:
            raise ValueError(f"at most {PRICES_PER_PRODUCT_MAX} prices per product")
        prices: dict[str, Decimal] = {}
        for part in parts:
            match = _PRICE.fullmatch(part)
            if match is None:
                raise ValueError(
                    f"{part!r} is not a price: write a currency and an amount, "
                    "e.g. EUR 59.99; GBP 49.99"
                )
            currency, amount = match.group(1).upper(), _amount(match.group(2), part)
            try:
                validate_stored_currency(currency)
            except ValidationError as error:
                raise ValueError(" ".join(error.messages)) from None
            if -amount.as_tuple().exponent > currency_decimals(currency):
                raise ValueError(f"{part!r}: {currency} has {currency_decimals(currency)} decimals")
            if currency in prices:
                raise ValueError(f"two prices in {currency}")
            prices[currency] = amount
        return prices

    def render(self, value, obj=None, **kwargs) -> str:
        return "; ".join(
            f"{currency} {amount}" for currency, amount in sorted((value or {}).items())
        )


def _amount(text: str, part: str) -> Decimal:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{part!r}: {text!r} is not an amount") from None
    if not amount.is_finite() or amount <= 0:
        raise ValueError(f"{part!r}: a price is more than 0")
    return amount


class CurrencyWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs) -> str:
        return str(value or "").strip().upper()


class PartnerWidget(widgets.ForeignKeyWidget):
    """A partner by its slug, with a message naming the slug when there is none."""

    def __init__(self) -> None:
        super().__init__(Partner, field="slug")

    def clean(self, value, row=None, **kwargs) -> Partner:
        slug = str(value or "").strip()
        if not slug:
            raise ValueError("a partner (its slug) is required")
        try:
            return Partner.objects.get(slug=slug)
        except Partner.DoesNotExist:
            raise ValueError(f"there is no partner {slug!r}") from None


class MasterProductResource(resources.ModelResource):
    """One row per product. `gtins` and `retail_prices` replace the product's GTINs and prices
    when their column is in the file (an empty cell removes them all)."""

    gtins = fields.Field(attribute="gtin_codes", column_name="gtins", widget=GtinListWidget())
    retail_prices = fields.Field(
        attribute="retail_prices", column_name="retail_prices", widget=RetailPricesWidget()
    )

    class Meta:
        model = MasterProduct
        fields = (
            "store_sku",
            "name",
            "brand",
            "category",
            "description",
            "image_urls",
            "gtins",
            "retail_prices",
        )
        import_id_fields = ("store_sku",)
        clean_model_instances = True

    def get_queryset(self):
        return MasterProduct.objects.prefetch_related("gtins", "prices")

    # The export reads the rows; the preview's diff reads what the file's row sets (the widgets).
    def dehydrate_gtins(self, product: MasterProduct) -> str:
        return GtinListWidget().render([row.gtin for row in product.gtins.all()])

    def dehydrate_retail_prices(self, product: MasterProduct) -> str:
        return RetailPricesWidget().render(
            {row.currency: row.amount for row in product.prices.all()}
        )

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        gtin14s = getattr(instance, "gtin_codes", None)
        problem = (
            master_product_gtins_problem(product=instance, gtin14s=gtin14s)
            if gtin14s and "gtin_codes" not in errors
            else None
        )
        if problem:
            errors["gtin_codes"] = [ValidationError(problem)]
        super().validate_instance(instance, errors, validate_unique)

    def after_save_instance(self, instance, row, **kwargs) -> None:
        master_product_gtins_and_prices_set(
            product=instance,
            gtin14s=getattr(instance, "gtin_codes", None),
            prices=getattr(instance, "retail_prices", None),
        )
        # The preview's "after" column reads the GTINs and prices again, not the prefetched ones.
        instance.refresh_from_db()


class SupplierItemResource(resources.ModelResource):
    partner = fields.Field(attribute="partner", column_name="partner", widget=PartnerWidget())
    gtin = fields.Field(attribute="gtin", column_name="gtin", widget=GtinWidget())
    currency = fields.Field(attribute="currency", column_name="currency", widget=CurrencyWidget())

    class Meta:
        model = SupplierItem
        fields = ("partner", "gtin", "partner_sku", "partner_product_number", "cost", "currency")
        import_id_fields = ("partner", "gtin")
        clean_model_instances = True

    def get_queryset(self):
        return SupplierItem.objects.select_related("partner")


class ExchangeRateResource(resources.ModelResource):
    from_currency = fields.Field(
        attribute="from_currency", column_name="from_currency", widget=CurrencyWidget()
    )
    to_currency = fields.Field(
        attribute="to_currency", column_name="to_currency", widget=CurrencyWidget()
    )

    class Meta:
        model = ExchangeRate
        fields = ("from_currency", "to_currency", "rate")
        import_id_fields = ("from_currency", "to_currency")
        clean_model_instances = True
