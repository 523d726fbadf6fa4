import hashlib
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

from partners.mapping import gtin_problem
from partners.sandbox.catalog import (
    RANGE_PARTNERS,
    Category,
    PartnerName,
    catalog_build,
    catalog_default,
)

REPO = Path(__file__).resolve().parents[3]
FINGERPRINT = (
    "import hashlib; from partners.sandbox.catalog import catalog_build; "
    "print(hashlib.sha256(repr(catalog_build()).encode()).hexdigest())"
)


def fingerprint_in_new_process(hash_seed: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", FINGERPRINT],
        cwd=REPO,
        env={**os.environ, "PYTHONHASHSEED": hash_seed},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_catalogue_has_216_products_evenly_over_three_categories():
    products = catalog_default().products

    assert len(products) == 216
    assert Counter(product.category for product in products) == {
        Category.APPAREL: 72,
        Category.FOOTWEAR: 72,
        Category.HOME: 72,
    }
    assert len({product.name for product in products}) == 216


def test_every_variant_has_its_own_valid_gtin():
    gtins = [variant.gtin for product in catalog_default().products for variant in product.variants]

    assert len(gtins) == 2056
    assert len(set(gtins)) == len(gtins)
    assert all(len(gtin) == 13 and gtin_problem(gtin) is None for gtin in gtins)


def test_sizes_suit_the_category():
    for product in catalog_default().products:
        sizes = list(dict.fromkeys(variant.size.label for variant in product.variants))
        if product.category is Category.APPAREL:
            assert sizes == ["S", "M", "L", "XL"]
        elif product.category is Category.FOOTWEAR:
            assert sizes == [str(eu) for eu in range(38, 47)]
        else:
            assert sizes == ["One size"] or all(
                re.fullmatch(r"\d+ x \d+ cm", size) for size in sizes
            ), sizes


def test_each_variant_is_one_size_in_one_colour():
    for product in catalog_default().products:
        pairs = [(variant.size, variant.colour) for variant in product.variants]
        assert len(set(pairs)) == len(pairs)


def range_offers():
    return [offer for offer in catalog_default().offers if offer.partner in RANGE_PARTNERS]


def test_a_third_of_products_are_carried_by_two_or_three_range_partners():
    carriers = Counter(offer.product.number for offer in range_offers())

    assert Counter(carriers.values()) == {1: 144, 2: 32, 3: 40}


def test_shared_products_have_the_same_gtins_but_own_codes_and_costs():
    offers_by_product = defaultdict(list)
    for offer in range_offers():
        offers_by_product[offer.product.number].append(offer)
    shared = [offers for offers in offers_by_product.values() if len(offers) > 1]

    for offers in shared:
        gtin_lists = {tuple(item.variant.gtin for item in offer.variants) for offer in offers}
        assert len(gtin_lists) == 1
        assert len({offer.cost for offer in offers}) == len(offers)
        assert len({offer.product_number for offer in offers}) == len(offers)
        skus = [item.sku for offer in offers for item in offer.variants]
        assert len(set(skus)) == len(skus)


def test_codes_are_unique_within_each_partner_and_shaped_its_way():
    shapes = {
        PartnerName.THREADLINE: (r"TL-\d{5}", r"TL-\d{5}-[A-Z]{3}-\w+"),
        PartnerName.STRIDEWELL: (r"SW\d{5}", r"SW\d{8}"),
        PartnerName.HEARTH: (r"HH\d{5}", r"HH\d{5}\.[A-Z]{3}\.\w+"),
        PartnerName.BAYWATER: (r"BW\d{5}", r"\d{13}"),
    }
    catalog = catalog_default()
    for partner, (number_shape, sku_shape) in shapes.items():
        offers = catalog.offers_of(partner)
        numbers = [offer.product_number for offer in offers]
        skus = [item.sku for offer in offers for item in offer.variants]
        assert len(set(numbers)) == len(numbers)
        assert len(set(skus)) == len(skus)
        assert all(re.fullmatch(number_shape, number) for number in numbers)
        assert all(re.fullmatch(sku_shape, sku) for sku in skus)


def test_costs_are_below_retail_and_stock_is_never_negative():
    for offer in catalog_default().offers:
        assert 0 < offer.cost < offer.rrp
        assert all(item.stock >= 0 for item in offer.variants)


def test_similar_items_are_other_products_of_the_same_partner_and_category():
    catalog = catalog_default()
    for partner in RANGE_PARTNERS:
        by_number = {offer.product_number: offer for offer in catalog.offers_of(partner)}
        for offer in by_number.values():
            assert len(offer.similar) == 4
            assert offer.product_number not in offer.similar
            for number in offer.similar:
                assert by_number[number].product.category is offer.product.category


def test_baywater_stocks_a_quarter_of_the_products_by_gtin_each_also_in_a_range():
    catalog = catalog_default()
    ranged = {offer.product.number for offer in range_offers()}

    wholesale = catalog.offers_of(PartnerName.BAYWATER)

    assert len(wholesale) == 54
    assert {offer.product.number for offer in wholesale} <= ranged
    assert all(
        [item.sku for item in offer.variants] == [v.gtin for v in offer.product.variants]
        for offer in wholesale
    )
    assert all(offer.similar == () for offer in wholesale)


def test_first_product_is_pinned_by_the_seed():
    product = catalog_default().products[0]

    assert (product.number, product.name, product.brand) == (
        "EA00001",
        "Jersey Polo Shirt",
        "Kestrel Outdoor",
    )
    assert product.variants[0].gtin == "5018144959912"


def test_catalogue_is_the_same_in_every_process_and_differs_by_seed():
    here = hashlib.sha256(repr(catalog_build()).encode()).hexdigest()

    assert fingerprint_in_new_process("1") == here
    assert fingerprint_in_new_process("2") == here
    assert hashlib.sha256(repr(catalog_build(seed=7)).encode()).hexdigest() != here
