"""What the catalogue's tables accept: every spelling of a GTIN kept as GTIN-14, categories in
one form, money in currencies its columns can hold, and one rule per partner and category."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from catalog.models import (
    ExchangeRate,
    MasterProduct,
    PricingRule,
    ProductGtin,
    RetailPrice,
    StoreTaxRate,
    SupplierItem,
)
from catalog.validators import IMAGES_MAX
from tests.factories import MasterProductFactory, PartnerFactory, StoreFactory

pytestmark = pytest.mark.django_db


def errors_of(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        instance.full_clean()
    return raised.value.message_dict


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("5018144960710", "05018144960710"), ("036000291452", "00036000291452"),
     ("96385074", "00000096385074"), ("15012345678907", "15012345678907")],
)  # fmt: skip
def test_a_supplier_item_keeps_any_gtin_spelling_as_gtin_14(typed, kept):
    item = SupplierItem(partner=PartnerFactory(), gtin=typed, cost=Decimal("1"), currency="GBP")

    item.full_clean()

    assert item.gtin == kept


def test_a_wrong_gtin_says_which_check_digit_it_needs():
    gtin = ProductGtin(product=MasterProductFactory(), gtin="5018144960711")

    assert errors_of(gtin) == {
        "__all__": ["5018144960711 has a wrong check digit: the last digit is 1, it should be 0"]
    }


def test_a_gtin_belongs_to_one_product_whatever_its_spelling():
    ProductGtin.objects.create(product=MasterProductFactory(), gtin="00036000291452")

    assert errors_of(ProductGtin(product=MasterProductFactory(), gtin="036000291452")) == {
        "gtin": ["Another product has this GTIN."]
    }


def test_store_skus_are_unique_without_regard_to_case_and_categories_are_normalised():
    MasterProductFactory(store_sku="EA00013")
    product = MasterProduct(store_sku="ea00013", name="X", category="  Home  Decor ")

    assert errors_of(product) == {"__all__": ["Another product has this store SKU."]}
    assert product.category == "home decor"


@pytest.mark.parametrize(
    ("image_urls", "error"),
    [
        ("http://img.example/a.jpg", "http://img.example/a.jpg is neither an https:// address "
         "nor a path on this site (/…)."),
        ("//evil.example/a.jpg", "//evil.example/a.jpg is neither an https:// address nor a "
         "path on this site (/…)."),
        ("javascript:alert(1)", "javascript:alert(1) is neither an https:// address nor a "
         "path on this site (/…)."),
        ("https://img.example/a.jpg " * (IMAGES_MAX + 1), "At most 10 images, got 11."),
        ("https://img.example/" + "a" * 500, "An image address is at most 500 characters."),
    ],
)  # fmt: skip
def test_images_are_https_addresses_or_paths_here_and_bounded(image_urls, error):
    product = MasterProduct(store_sku="EA1", name="X", image_urls=image_urls)

    assert errors_of(product) == {"image_urls": [error]}


def test_images_may_be_https_or_served_here_one_per_line():
    product = MasterProduct(
        store_sku="EA1", name="X", image_urls="https://img.example/a.jpg\n/media/b.jpg"
    )

    product.full_clean()

    assert product.image_list == ["https://img.example/a.jpg", "/media/b.jpg"]


@pytest.mark.parametrize(
    ("sku", "error"),
    [(" EA1", "Remove the spaces before and after the code."),
     ("EA\x001", "The code contains a control character.")],
)  # fmt: skip
def test_codes_are_kept_as_typed_without_spaces_around_or_control_characters(sku, error):
    assert errors_of(MasterProduct(store_sku=sku, name="X"))["store_sku"] == [error]


@pytest.mark.parametrize(
    ("currency", "amount", "errors"),
    [
        ("KWD", "1.00", {"currency": ["KWD has 3 decimals; catalogue prices and costs keep 2"]}),
        ("eur", "1.00", {"currency": ["eur is not an ISO 4217 currency code (e.g. GBP, EUR)."]}),
        ("EUR", "0", {"amount": ["Must be more than 0."]}),
    ],
)
def test_retail_prices_are_positive_in_currencies_kept_to_two_decimals(currency, amount, errors):
    price = RetailPrice(product=MasterProductFactory(), currency=currency, amount=Decimal(amount))

    assert errors_of(price) == errors


def test_one_rule_per_partner_and_category_and_one_for_every_partner_per_category():
    partner = PartnerFactory()
    terms = {"markup_percent": Decimal(100), "margin_floor_percent": Decimal(20)}
    PricingRule.objects.create(partner=partner, category="home", **terms)
    PricingRule.objects.create(partner=None, category="home", **terms)

    same_partner = PricingRule(partner=partner, category="Home", **terms)
    every_partner = PricingRule(partner=None, category="HOME", **terms)
    other_partner = PricingRule(partner=PartnerFactory(), category="home", **terms)

    assert errors_of(same_partner) == {
        "__all__": ["There is a rule for this partner and category already."]
    }
    assert errors_of(every_partner) == {
        "__all__": ["There is a rule for every partner in this category already."]
    }
    other_partner.full_clean()


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("markup_percent", "1000.01", "Ensure this value is less than or equal to 1000."),
        ("markup_percent", "-1", "Ensure this value is greater than or equal to 0."),
        ("margin_floor_percent", "100", "Ensure this value is less than or equal to 99.99."),
    ],
)
def test_markups_and_margin_floors_are_bounded(field, value, error):
    rule = PricingRule(markup_percent=Decimal(100), margin_floor_percent=Decimal(20))
    setattr(rule, field, Decimal(value))

    assert errors_of(rule) == {field: [error]}


def test_an_exchange_rate_is_between_two_currencies_once_and_positive():
    ExchangeRate.objects.create(from_currency="GBP", to_currency="EUR", rate=Decimal("1.17"))

    assert errors_of(ExchangeRate(from_currency="GBP", to_currency="EUR", rate=Decimal(1))) == {
        "__all__": ["There is a rate for these currencies already."]
    }
    assert errors_of(ExchangeRate(from_currency="EUR", to_currency="EUR", rate=Decimal(1))) == {
        "__all__": ["A rate converts between two different currencies."]
    }
    assert errors_of(ExchangeRate(from_currency="USD", to_currency="EUR", rate=Decimal(0))) == {
        "rate": ["Must be more than 0."]
    }


def test_a_store_has_one_tax_rate_per_category_and_rates_are_percentages():
    store = StoreFactory()
    StoreTaxRate.objects.create(store=store, category="", rate_percent=Decimal(20))

    assert errors_of(StoreTaxRate(store=store, category="", rate_percent=Decimal(5))) == {
        "__all__": ["The store has a rate for this category already."]
    }
    assert errors_of(StoreTaxRate(store=store, category="books", rate_percent=Decimal(101))) == {
        "rate_percent": ["Ensure this value is less than or equal to 100."]
    }
