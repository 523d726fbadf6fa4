"""The catalogue in the admin, for merchandisers: products, supplier items, pricing rules,
exchange rates and store tax rates. Products, supplier items and exchange rates also import
from and export to CSV, with a dry-run preview showing each row's problems."""

from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from catalog.csv_format import SpreadsheetSafeCSV
from catalog.forms import BoundedImportForm
from catalog.models import (
    ExchangeRate,
    MasterProduct,
    PricingRule,
    ProductGtin,
    RetailPrice,
    StoreTaxRate,
    SupplierItem,
)
from catalog.resources import (
    ExchangeRateResource,
    MasterProductResource,
    SupplierItemResource,
)
from partners.mapping.gtin import Gtin


class CsvImportExportAdmin(ImportExportModelAdmin):
    """CSV only, safe to open in a spreadsheet, and a bounded upload."""

    import_formats = [SpreadsheetSafeCSV]
    export_formats = [SpreadsheetSafeCSV]
    import_form_class = BoundedImportForm


class ProductGtinInline(admin.TabularInline):
    model = ProductGtin
    extra = 1


class RetailPriceInline(admin.TabularInline):
    model = RetailPrice
    extra = 1


@admin.register(MasterProduct)
class MasterProductAdmin(CsvImportExportAdmin):
    resource_classes = [MasterProductResource]
    list_display = ["store_sku", "name", "brand", "category", "updated_at"]
    list_filter = ["category", "brand"]
    search_fields = ["store_sku", "name", "brand", "gtins__gtin"]
    inlines = [ProductGtinInline, RetailPriceInline]
    fields = ["store_sku", "name", "brand", "category", "description", "image_urls"]

    def get_search_results(self, request, queryset, search_term):
        # A GTIN is found whatever spelling was typed: rows keep GTIN-14.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        digits = search_term.strip()
        if digits.isdigit() and len(digits) in (8, 12, 13):
            queryset |= self.model.objects.filter(gtins__gtin=digits.zfill(14))
            may_have_duplicates = True
        return queryset, may_have_duplicates


@admin.register(SupplierItem)
class SupplierItemAdmin(CsvImportExportAdmin):
    resource_classes = [SupplierItemResource]
    list_display = ["partner", "gtin_code", "partner_sku", "partner_product_number", "cost",
                    "currency", "updated_at"]  # fmt: skip
    list_filter = ["partner", "currency"]
    list_select_related = ["partner"]
    search_fields = ["gtin", "partner_sku", "partner_product_number"]
    autocomplete_fields = ["partner"]

    @admin.display(description="GTIN", ordering="gtin")
    def gtin_code(self, item: SupplierItem) -> str:
        return Gtin(item.gtin).code


@admin.register(PricingRule)
class PricingRuleAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "markup_percent", "use_msrp", "rounding", "margin_floor_percent"]
    list_filter = ["partner", "rounding", "use_msrp"]
    list_select_related = ["partner"]
    fields = ["partner", "category", "markup_percent", "use_msrp", "rounding",
              "margin_floor_percent"]  # fmt: skip


@admin.register(ExchangeRate)
class ExchangeRateAdmin(SimpleHistoryAdmin, CsvImportExportAdmin):
    resource_classes = [ExchangeRateResource]
    list_display = ["from_currency", "to_currency", "rate", "updated_at"]
    list_filter = ["to_currency"]
    fields = ["from_currency", "to_currency", "rate"]


@admin.register(StoreTaxRate)
class StoreTaxRateAdmin(admin.ModelAdmin):
    list_display = ["store", "category", "rate_percent", "prices_include_tax"]
    list_filter = ["store"]
    list_select_related = ["store"]
    fields = ["store", "category", "rate_percent"]

    @admin.display(boolean=True, description="store prices include tax")
    def prices_include_tax(self, rate: StoreTaxRate) -> bool:
        return rate.store.prices_include_tax
