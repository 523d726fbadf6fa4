"""Merchandisers keep the catalogue in the admin forms: codes typed any way are kept one way."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import MasterProduct, PricingRule, SupplierItem
from tests.factories import MasterProductFactory, PartnerFactory, ProductGtinFactory

pytestmark = pytest.mark.django_db


def test_a_supplier_item_typed_with_an_ean_13_is_kept_as_gtin_14_and_listed_as_ean(merchandiser):
    partner = PartnerFactory(name="Baywater")

    response = merchandiser.post(
        reverse("admin:catalog_supplieritem_add"),
        {"partner": partner.pk, "gtin": "5018144960710", "partner_sku": "",
         "partner_product_number": "BW00013", "cost": "28.72", "currency": "GBP"},
    )  # fmt: skip
    listing = merchandiser.get(reverse("admin:catalog_supplieritem_changelist"))

    assert response.status_code == 302
    assert SupplierItem.objects.get().gtin == "05018144960710"
    assert "5018144960710" in listing.content.decode()


def test_a_product_is_found_by_any_spelling_of_its_gtin(merchandiser):
    gilet = MasterProductFactory(store_sku="EA00006", name="Insulated Quilted Gilet")
    ProductGtinFactory(product=gilet, gtin="00036000291452")
    MasterProductFactory(store_sku="EA00007", name="Other")
    url = reverse("admin:catalog_masterproduct_changelist")

    for typed in ("036000291452", "0036000291452"):
        response = merchandiser.get(url, {"q": typed})

        assert list(response.context["cl"].result_list) == [gilet]


def test_a_pricing_rule_added_in_the_admin_keeps_its_category_in_one_form(merchandiser):
    response = merchandiser.post(
        reverse("admin:catalog_pricingrule_add"),
        {"partner": "", "category": " Home ", "markup_percent": "120", "use_msrp": "",
         "rounding": "up_95", "margin_floor_percent": "35"},
    )  # fmt: skip

    assert response.status_code == 302
    rule = PricingRule.objects.get()
    assert (rule.category, rule.markup_percent, rule.history.count()) == ("home", Decimal(120), 1)


def test_a_product_with_a_gtin_in_the_inline_is_saved_with_it(merchandiser):
    response = merchandiser.post(
        reverse("admin:catalog_masterproduct_add"),
        {
            "store_sku": "EA00013", "name": "Slub T-Shirt", "brand": "", "category": "Apparel",
            "description": "", "image_urls": "",
            "gtins-TOTAL_FORMS": "1", "gtins-INITIAL_FORMS": "0", "gtins-0-gtin": "5018144960710",
            "prices-TOTAL_FORMS": "1", "prices-INITIAL_FORMS": "0",
            "prices-0-currency": "EUR", "prices-0-amount": "39.99",
        },
    )  # fmt: skip

    assert response.status_code == 302
    product = MasterProduct.objects.get()
    assert list(product.gtins.values_list("gtin", flat=True)) == ["05018144960710"]
    assert list(product.prices.values_list("currency", "amount")) == [("EUR", Decimal("39.99"))]
