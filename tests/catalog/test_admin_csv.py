"""The catalogue admin's CSV import: a dry-run preview with each row's problems, nothing written
until confirmed, bounded files; and the export."""

import csv
import io
import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import catalog.forms
from catalog.forms import IMPORT_FILE_MAX_BYTES, IMPORT_LINES_MAX
from catalog.models import ExchangeRate, MasterProduct, ProductGtin, RetailPrice, SupplierItem
from stores.roles import Role
from tests.factories import (
    MasterProductFactory,
    PartnerFactory,
    ProductGtinFactory,
    RetailPriceFactory,
    SupplierItemFactory,
)

pytestmark = pytest.mark.django_db

CSV_FORMAT = "0"  # the only format offered


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """An uploaded file waits in the default storage between preview and import: here, a
    folder the test throws away."""
    settings.MEDIA_ROOT = tmp_path


def upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def preview(client, model: str, text: str):
    return client.post(
        reverse(f"admin:catalog_{model}_import"),
        {"format": CSV_FORMAT, "resource": "0", "import_file": upload(f"{model}.csv", text)},
    )


def confirm(client, model: str, response):
    form = response.context["confirm_form"]
    return client.post(
        reverse(f"admin:catalog_{model}_process_import"),
        {name: form.initial[name] for name in form.initial} | {"format": CSV_FORMAT},
    )


def text_of(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_a_product_import_previews_then_writes_products_gtins_and_prices(merchandiser):
    csv = (
        "store_sku,name,brand,category,description,image_urls,gtins,retail_prices\n"
        "EA00013,Slub T-Shirt,Northway,Apparel,Soft.,https://img.example/a.jpg,"
        '"5018144960710 036000291452","EUR 39.99; GBP 34.99"\n'
    )

    previewed = preview(merchandiser, "masterproduct", csv)

    assert previewed.status_code == 200
    assert "confirm_form" in previewed.context
    assert not MasterProduct.objects.exists()  # a dry run writes nothing

    confirmed = confirm(merchandiser, "masterproduct", previewed)

    assert confirmed.status_code == 302
    product = MasterProduct.objects.get()
    assert (product.store_sku, product.category, product.image_list) == (
        "EA00013",
        "apparel",
        ["https://img.example/a.jpg"],
    )
    assert sorted(product.gtins.values_list("gtin", flat=True)) == [
        "00036000291452",
        "05018144960710",
    ]
    assert dict(product.prices.values_list("currency", "amount")) == {
        "EUR": Decimal("39.99"),
        "GBP": Decimal("34.99"),
    }


def test_reimporting_a_product_replaces_its_gtins_and_prices(merchandiser):
    product = MasterProductFactory(store_sku="EA00013", name="Old name")
    ProductGtinFactory(product=product, gtin="05018144960710")
    RetailPriceFactory(product=product, currency="USD", amount=Decimal("50.00"))
    csv = "store_sku,name,gtins,retail_prices\nEA00013,New name,5018144960727,EUR 41.00\n"

    confirm(merchandiser, "masterproduct", preview(merchandiser, "masterproduct", csv))

    product.refresh_from_db()
    assert product.name == "New name"
    assert list(product.gtins.values_list("gtin", flat=True)) == ["05018144960727"]
    assert list(product.prices.values_list("currency", "amount")) == [("EUR", Decimal("41.00"))]


def test_each_bad_row_is_shown_with_its_problem_and_nothing_can_be_imported(merchandiser):
    ProductGtinFactory(product=MasterProductFactory(store_sku="EA00001"), gtin="05018144960710")
    csv = (
        "store_sku,name,gtins,retail_prices\n"
        "EA00002,Good,5018144960727,EUR 10.00\n"
        "EA00003,Bad check digit,5018144960721,EUR 10.00\n"
        "EA00004,Leading zero lost,36000291452,EUR 10.00\n"
        "EA00005,Taken GTIN,5018144960710,EUR 10.00\n"
        "EA00006,Bad price,5018144960734,EUR ten\n"
        "EA00007,Three decimals,5018144960741,KWD 1.500\n"
        ",No SKU,5018144960758,EUR 10.00\n"
    )

    response = preview(merchandiser, "masterproduct", csv)

    page = text_of(response)
    assert "confirm_form" not in response.context
    for problem in [
        "5018144960721 has a wrong check digit: the last digit is 1, it should be 7",
        "'36000291452' is not a GTIN: a GTIN has 8, 12, 13 or 14 digits (a spreadsheet may "
        "have dropped its leading 0: format the column as text)",
        "GTIN 05018144960710 belongs to EA00001 already.",
        "'EUR ten': 'ten' is not an amount",
        "KWD has 3 decimals; catalogue prices and costs keep 2",
        "This field cannot be blank.",
    ]:
        assert problem in page
    assert response.context["result"].invalid_rows[0].number == 2
    assert len(response.context["result"].invalid_rows) == 6
    assert list(MasterProduct.objects.values_list("store_sku", flat=True)) == ["EA00001"]


def test_supplier_items_import_by_partner_slug_and_any_gtin_spelling(merchandiser):
    partner = PartnerFactory(slug="baywater")
    SupplierItemFactory(partner=partner, gtin="05018144960710", cost=Decimal("9.00"))
    csv = (
        "partner,gtin,partner_sku,partner_product_number,cost,currency\n"
        "baywater,5018144960710,5018144960710,BW00013,28.72,gbp\n"
        "baywater,0 36000 29145 2,,,12.50,GBP\n"
    )

    confirm(merchandiser, "supplieritem", preview(merchandiser, "supplieritem", csv))

    assert sorted(
        SupplierItem.objects.values_list("gtin", "partner_product_number", "cost", "currency")
    ) == [
        ("00036000291452", "", Decimal("12.50"), "GBP"),
        ("05018144960710", "BW00013", Decimal("28.72"), "GBP"),
    ]


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("nobody,5018144960710,1.00,GBP", "Line number: 1 - there is no partner 'nobody'"),
        ("baywater,5018144960711,1.00,GBP", "it should be 0"),
        ("baywater,5018144960710,-1.00,GBP", "Ensure this value is greater than or equal to 0."),
        (
            "baywater,5018144960710,1.00,KWD",
            "KWD has 3 decimals; catalogue prices and costs keep 2",
        ),
    ],
)
def test_a_bad_supplier_item_is_refused_with_its_problem(merchandiser, row, problem):
    PartnerFactory(slug="baywater")

    response = preview(merchandiser, "supplieritem", f"partner,gtin,cost,currency\n{row}\n")

    assert problem in text_of(response)
    assert "confirm_form" not in response.context
    assert not SupplierItem.objects.exists()


def test_exchange_rates_import_and_a_rate_to_the_same_currency_is_refused(merchandiser):
    ExchangeRate.objects.create(from_currency="GBP", to_currency="EUR", rate=Decimal("1.15"))
    good = "from_currency,to_currency,rate\nGBP,EUR,1.17\nusd,eur,0.92\n"
    bad = "from_currency,to_currency,rate\nEUR,EUR,1\nGBP,ABC,1.1\nGBP,USD,0\n"

    confirm(merchandiser, "exchangerate", preview(merchandiser, "exchangerate", good))
    page = text_of(preview(merchandiser, "exchangerate", bad))

    assert sorted(ExchangeRate.objects.values_list("from_currency", "to_currency", "rate")) == [
        ("GBP", "EUR", Decimal("1.17")),
        ("USD", "EUR", Decimal("0.92")),
    ]
    assert "A rate converts between two different currencies." in page
    assert "ABC is not an ISO 4217 currency code (e.g. GBP, EUR)." in page
    assert "Must be more than 0." in page


def test_a_file_over_the_size_bound_is_refused_before_it_is_read(merchandiser):
    too_big = "store_sku,name\n" + "x" * IMPORT_FILE_MAX_BYTES

    response = preview(merchandiser, "masterproduct", too_big)

    assert "import at most 2 MB at a time (split it)" in text_of(response)
    assert "result" not in response.context


def test_the_row_bound_is_a_header_and_5000_rows():
    assert IMPORT_LINES_MAX == 5001


def test_a_file_over_the_row_bound_is_refused_and_one_at_the_bound_is_read(
    merchandiser, monkeypatch
):
    # A bound of 10 rows instead of 5,000 keeps the test quick; the check is the same.
    monkeypatch.setattr(catalog.forms, "IMPORT_LINES_MAX", 11)
    at_bound = "from_currency,to_currency,rate\n" + "GBP,EUR,1.17\n" * 10
    over = at_bound + "GBP,EUR,1.17\n"

    refused = preview(merchandiser, "exchangerate", over)
    read = preview(merchandiser, "exchangerate", at_bound)

    assert "The file has 12 lines; import at most 10 rows at a time (split it)." in (
        text_of(refused)
    )
    assert "result" not in refused.context
    assert len(read.context["result"].rows) == 10
    assert not ExchangeRate.objects.exists()


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("last_line_ended", [True, False])
def test_the_row_bound_holds_whatever_the_line_endings(
    merchandiser, monkeypatch, ending, last_line_ended
):
    # The CSV reader ends a row at a lone CR too: counting LF alone let such a file through.
    monkeypatch.setattr(catalog.forms, "IMPORT_LINES_MAX", 11)
    over = ending.join(["from_currency,to_currency,rate"] + ["GBP,EUR,1.17"] * 11)
    if last_line_ended:
        over += ending

    refused = preview(merchandiser, "exchangerate", over)

    assert "The file has 12 lines; import at most 10 rows at a time (split it)." in (
        text_of(refused)
    )
    assert "result" not in refused.context
    assert not ExchangeRate.objects.exists()


def test_a_crlf_split_between_two_chunks_is_one_line_ending():
    upload = upload_of("a\r\nb\r\nc\r\n")
    upload.DEFAULT_CHUNK_SIZE = 1  # every byte its own chunk

    assert catalog.forms._line_count(upload) == 3


def upload_of(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("rates.csv", text.encode(), content_type="text/csv")


def test_the_product_export_gives_gtins_as_partners_see_them(merchandiser):
    product = MasterProductFactory(store_sku="EA00013", name="Slub T-Shirt", category="apparel")
    ProductGtinFactory(product=product, gtin="00036000291452")
    RetailPriceFactory(product=product, currency="GBP", amount=Decimal("34.99"))
    RetailPriceFactory(product=product, currency="EUR", amount=Decimal("39.99"))

    lines = export_products(merchandiser).splitlines()

    assert lines[0] == ("store_sku,name,brand,category,description,image_urls,gtins,retail_prices")
    assert lines[1] == "EA00013,Slub T-Shirt,,apparel,,,0036000291452,EUR 39.99; GBP 34.99"


FORMULAE = ["=HYPERLINK(1)", "==1+1", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\t=1+1", "\r=1"]


@pytest.mark.parametrize("formula", FORMULAE)
def test_an_export_cell_a_spreadsheet_would_run_is_marked_as_text(merchandiser, formula):
    # A spreadsheet shows a cell starting with an apostrophe as text and runs no formula.
    MasterProductFactory(store_sku="EA00013", name=formula, brand="-", description="a - b")

    [row] = list(csv.DictReader(io.StringIO(export_products(merchandiser), newline="")))

    assert (row["name"], row["brand"], row["description"]) == ("'" + formula, "'-", "a - b")


def test_an_exported_file_imports_back_unchanged(merchandiser):
    for number, formula in enumerate(FORMULAE):
        MasterProductFactory(store_sku=f"EA{number:05}", name=formula, description="- cotton")
    exported = export_products(merchandiser)
    MasterProduct.objects.update(name="changed", description="changed")

    confirm(merchandiser, "masterproduct", preview(merchandiser, "masterproduct", exported))

    assert list(MasterProduct.objects.values_list("name", "description")) == [
        (formula, "- cotton") for formula in FORMULAE
    ]


def export_products(client) -> str:
    response = client.post(
        reverse("admin:catalog_masterproduct_export"),
        {"format": CSV_FORMAT, "resource": "0", **_all_fields_ticked()},
    )
    assert response.status_code == 200
    return response.content.decode()


def _all_fields_ticked() -> dict:
    fields = ["store_sku", "name", "brand", "category", "description", "image_urls", "gtins",
              "retail_prices"]  # fmt: skip
    return {f"masterproductresource_{name}": "on" for name in fields}


def test_an_associate_cannot_import(client, user_in_role):
    client.force_login(user_in_role(Role.ASSOCIATE))

    response = preview(client, "masterproduct", "store_sku,name\nEA1,X\n")

    assert response.status_code == 302
    assert not MasterProduct.objects.exists()
    assert not ProductGtin.objects.exists() and not RetailPrice.objects.exists()
