"""The Scan page: a resolved code goes to its product page and joins the store's recent scans;
a wrong check digit or an unknown code is said on the same page, and nothing is recorded."""

import pytest
from django.urls import reverse

from catalog.models import Scan
from stores.roles import Role
from tests.factories import (
    MasterProductFactory,
    PartnerFactory,
    ProductGtinFactory,
    StoreFactory,
    SupplierItemFactory,
)
from tests.partners.sandbox.picks import UNKNOWN_GTIN

pytestmark = pytest.mark.django_db

SCAN_URL = reverse("catalog:scan")


@pytest.fixture
def associate(client, user_in_role):
    user = user_in_role(Role.ASSOCIATE)
    client.force_login(user)
    return user


def test_a_resolved_barcode_goes_to_its_product_page_and_is_recorded(client, associate, store):
    response = client.post(SCAN_URL, {"code": " 4006381333931 ", "source": "scan"})

    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:product", args=["04006381333931"])
    [scan] = Scan.objects.all()
    assert (scan.store, scan.user, scan.entered, scan.gtin14) == (
        store,
        associate,
        "4006381333931",
        "04006381333931",
    )


def test_a_partner_code_routes_the_product_page_to_that_partner(client, associate):
    partner = PartnerFactory()
    SupplierItemFactory(
        partner=partner,
        gtin="05018144960277",
        partner_sku="TL-71115-FOR-S",
        partner_product_number="",
    )

    response = client.post(SCAN_URL, {"code": "tl-71115-for-s"})

    assert response.status_code == 302
    assert response["Location"] == (
        reverse("catalog:product", args=["05018144960277"]) + f"?partner={partner.pk}"
    )


def test_a_store_sku_goes_to_its_first_gtin(client, associate):
    product = MasterProductFactory(store_sku="EA00006")
    ProductGtinFactory(product=product, gtin="05018144960277")

    response = client.post(SCAN_URL, {"code": "EA00006"})

    assert response["Location"] == reverse("catalog:product", args=["05018144960277"])


def test_a_wrong_check_digit_is_said_on_the_page_with_the_right_code(client, associate):
    response = client.post(SCAN_URL, {"code": "4006381333932"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Check digit wrong." in html
    assert "Did you mean 4006381333931?" in html
    assert 'value="4006381333931" class="button-secondary" data-testid="suggestion"' in html
    assert 'value="4006381333932"' in html  # the field keeps what was entered
    assert Scan.objects.count() == 0


def test_an_unknown_code_says_no_partner_carries_it(client, associate):
    response = client.post(SCAN_URL, {"code": "SHELF-LABEL-9"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "No partner carries this." in html
    assert "No partner carries “SHELF-LABEL-9”" in html
    assert Scan.objects.count() == 0


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "Scan or type a code."),
        ("9" * 500, "That is too long for a code: a code has at most 120 characters."),
        ("abc\x07", "The code contains characters no barcode or SKU has."),
    ],
)
def test_bad_input_is_a_message_never_an_error_page(client, associate, code, message):
    response = client.post(SCAN_URL, {"code": code})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Scan.objects.count() == 0


def test_the_page_lists_the_store_s_last_ten_scans_newest_first(client, associate, store):
    elsewhere = StoreFactory(code="DUB-01")
    for number in range(12):
        Scan.objects.create(
            store=store, user=associate, entered=f"CODE-{number}", gtin14=UNKNOWN_GTIN.zfill(14)
        )
    Scan.objects.create(store=elsewhere, entered="OTHER-STORE", gtin14=UNKNOWN_GTIN.zfill(14))

    html = client.get(SCAN_URL).content.decode()

    listed = [f"CODE-{number}" for number in range(12) if f">CODE-{number}</a>" in html]
    assert listed == [f"CODE-{number}" for number in range(2, 12)]
    assert html.index(">CODE-11</a>") < html.index(">CODE-2</a>")
    assert "OTHER-STORE" not in html


def test_the_page_carries_the_scanner_contract(client, associate):
    html = client.get(SCAN_URL).content.decode()

    for marker in (
        "data-scanner ",
        "data-scanner-field",
        "data-scanner-source",
        "data-scanner-camera-open",
        "data-scanner-status",
        "js/scanner.js",
    ):
        assert marker in html


def test_kiosks_cannot_scan_and_nothing_is_recorded(client, user_in_role):
    client.force_login(user_in_role(Role.KIOSK))

    response = client.post(SCAN_URL, {"code": "4006381333931"})

    assert response.status_code == 403
    assert Scan.objects.count() == 0
