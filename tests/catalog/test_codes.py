"""Reading what was scanned or typed: barcodes in every spelling, UPC-E, GS1 strings, and
codes the catalogue knows; every wrong or unknown code gets a message, never an exception."""

import pytest

from catalog.codes import CODE_MAX_LENGTH, CodeSource, CodeStatus, ResolvedCode, code_resolve
from partners.mapping import Gtin
from tests.factories import MasterProductFactory, ProductGtinFactory, SupplierItemFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "symbology", "gtin14", "source"),
    [
        ("5012345678900", None, "05012345678900", "gtin"),  # EAN-13
        ("036000291452", None, "00036000291452", "gtin"),  # UPC-A
        ("0036000291452", None, "00036000291452", "gtin"),  # UPC-A as EAN-13: leading 0 kept
        ("00036000291452", None, "00036000291452", "gtin"),  # GTIN-14, indicator 0
        ("15012345678907", None, "15012345678907", "gtin"),  # GTIN-14 of a case
        ("96385074", None, "00000096385074", "gtin"),  # GTIN-8
        (" 5 012345 678900\r\n", None, "05012345678900", "gtin"),  # as printed; scanner's Enter
        ("5-012345-678900", None, "05012345678900", "gtin"),
        # UPC-E: each way its sixth digit compresses the UPC-A, and number system 1.
        ("01234565", None, "00012345000065", "upc_e"),  # …5-9: item digit last
        ("06543217", None, "00065100004327", "upc_e"),  # 0-2: manufacturer's third digit
        ("04252614", None, "00042100005264", "upc_e"),
        ("01234505", None, "00012000003455", "upc_e"),
        ("01234531", None, "00012300000451", "upc_e"),  # 3
        ("01234543", None, "00012340000053", "upc_e"),  # 4
        ("12345670", "upc_e", "00123456000070", "upc_e"),
        # Eight digits valid both ways: a leading 0 is read as UPC-E, unless the camera said
        # EAN-8; a leading 1 as GTIN-8 unless it said UPC-E.
        ("01234565", "ean_8", "00000001234565", "gtin"),
        ("12345670", None, "00000012345670", "gtin"),
        # A leading 0 whose UPC-E check digit is wrong but GTIN-8's right is a GTIN-8.
        ("07654329", None, "00000007654329", "gtin"),
        # GS1 element strings (Code 128) and Digital Link (QR codes) carrying a GTIN.
        ("(01)05012345678900", None, "05012345678900", "gs1"),
        ("(01)05012345678900(17)261231(10)AB12", None, "05012345678900", "gs1"),
        ("0105012345678900", None, "05012345678900", "gs1"),
        ("010501234567890017261231\x1d10AB12", None, "05012345678900", "gs1"),
        (
            "https://id.gs1.org/01/05012345678900/10/AB12?linkType=all",
            None,
            "05012345678900",
            "gs1",
        ),
    ],
)
def test_barcodes_resolve_to_one_gtin_14_without_asking_the_database(
    text, symbology, gtin14, source, django_assert_num_queries
):
    with django_assert_num_queries(0):
        resolved = code_resolve(text, symbology=symbology)

    assert resolved == ResolvedCode(
        entered=text.strip(),
        status=CodeStatus.RESOLVED,
        gtins=(Gtin(gtin14),),
        source=CodeSource(source),
    )


@pytest.mark.parametrize(
    ("text", "symbology", "message", "suggestion"),
    [
        (
            "5012345678901",
            None,
            "5012345678901 has a wrong check digit: the last digit is 1, it should be 0. "
            "Did you mean 5012345678900?",
            "5012345678900",
        ),
        (
            "036000291453",
            None,
            "036000291453 has a wrong check digit: the last digit is 3, it should be 2. "
            "Did you mean 036000291452?",
            "036000291452",
        ),
        (
            "5 012345 678901",
            None,
            "5012345678901 has a wrong check digit: the last digit is 1, it should be 0. "
            "Did you mean 5012345678900?",
            "5012345678900",
        ),
        (
            "07654320",  # wrong both ways: the UPC-E reading is the one corrected
            None,
            "07654320 has a wrong check digit: the last digit is 0, it should be 5. "
            "Did you mean 07654325?",
            "07654325",
        ),
        (
            "96385075",
            "ean_8",
            "96385075 has a wrong check digit: the last digit is 5, it should be 4. "
            "Did you mean 96385074?",
            "96385074",
        ),
        (
            "(01)05012345678901",
            None,
            "05012345678901 has a wrong check digit: the last digit is 1, it should be 0. "
            "Did you mean 05012345678900?",
            "05012345678900",
        ),
    ],
)
def test_a_wrong_check_digit_says_which_code_was_meant(text, symbology, message, suggestion):
    resolved = code_resolve(text, symbology=symbology)

    assert (resolved.status, resolved.message, resolved.suggestion, resolved.gtins) == (
        CodeStatus.CHECK_DIGIT_WRONG,
        message,
        suggestion,
        (),
    )
    assert code_resolve(suggestion, symbology=symbology).resolved


@pytest.mark.parametrize(
    ("text", "entered", "message"),
    [
        ("", "", "Scan or type a code."),
        ("  \t ", "", "Scan or type a code."),
        (None, "", "Scan or type a code."),
        (5012345678900, "", "Scan or type a code."),
        (
            "50123\x0045678900",
            "50123\x0045678900",
            "The code contains characters no barcode or SKU has.",
        ),
        (
            "https://id.gs1.org/01/123456789",  # a Digital Link whose GTIN has 9 digits
            "https://id.gs1.org/01/123456789",
            "'123456789' is not a GTIN: a GTIN has 8, 12, 13 or 14 digits.",
        ),
        (
            "5" * (CODE_MAX_LENGTH + 1),
            "5" * CODE_MAX_LENGTH + "…",
            f"That is too long for a code: a code has at most {CODE_MAX_LENGTH} characters.",
        ),
    ],
)
def test_what_is_no_code_at_all_is_refused_with_a_message(text, entered, message):
    assert code_resolve(text) == ResolvedCode(
        entered=entered, status=CodeStatus.INVALID, message=message
    )


def test_the_longest_code_accepted_is_still_read():
    resolved = code_resolve("X" * CODE_MAX_LENGTH)

    assert (resolved.status, resolved.entered) == (CodeStatus.NOT_FOUND, "X" * CODE_MAX_LENGTH)


@pytest.mark.parametrize("text", ["TL-99999", "12345", "5012345678900123"])
def test_a_code_nobody_knows_says_no_partner_carries_it(text):
    assert code_resolve(text) == ResolvedCode(
        entered=text,
        status=CodeStatus.NOT_FOUND,
        message=f"No partner carries “{text}”: it is not a barcode, and no store SKU or "
        "partner code in the catalogue matches it.",
    )


@pytest.fixture
def gilet():
    """A product in the master with two sizes, and a partner's supplier items for both."""
    product = MasterProductFactory(store_sku="EA00006", name="Insulated Quilted Gilet")
    ProductGtinFactory(product=product, gtin="05018144960277")
    ProductGtinFactory(product=product, gtin="05018144960284")
    small = SupplierItemFactory(
        gtin="05018144960277", partner_sku="TL-71115-FOR-S", partner_product_number="TL-71115"
    )
    SupplierItemFactory(
        partner=small.partner,
        gtin="05018144960284",
        partner_sku="TL-71115-FOR-M",
        partner_product_number="TL-71115",
    )
    return product, small.partner


@pytest.mark.parametrize(
    ("text", "source", "gtin14s", "by_partner"),
    [
        ("EA00006", "store_sku", ["05018144960277", "05018144960284"], False),
        (" ea00006 ", "store_sku", ["05018144960277", "05018144960284"], False),
        ("TL-71115-FOR-S", "partner_sku", ["05018144960277"], True),
        ("tl-71115-for-m", "partner_sku", ["05018144960284"], True),
        ("TL-71115", "partner_product_number", ["05018144960277", "05018144960284"], True),
    ],
)
def test_store_skus_and_partner_codes_resolve_through_the_catalogue(
    gilet, text, source, gtin14s, by_partner
):
    _, partner = gilet

    resolved = code_resolve(text)

    assert resolved == ResolvedCode(
        entered=text.strip(),
        status=CodeStatus.RESOLVED,
        gtins=tuple(Gtin(gtin14) for gtin14 in gtin14s),
        source=CodeSource(source),
        partner_ids=frozenset({partner.pk}) if by_partner else frozenset(),
    )


def test_a_store_sku_made_of_digits_is_found_before_a_check_digit_is_blamed():
    product = MasterProductFactory(store_sku="5012345678901")
    ProductGtinFactory(product=product, gtin="05018144960277")

    resolved = code_resolve("5012345678901")

    assert (resolved.status, resolved.source, resolved.gtins) == (
        CodeStatus.RESOLVED,
        CodeSource.STORE_SKU,
        (Gtin("05018144960277"),),
    )


def test_a_store_sku_without_gtins_says_so():
    MasterProductFactory(store_sku="EA00099")

    resolved = code_resolve("EA00099")

    assert (resolved.status, resolved.gtins, resolved.message) == (
        CodeStatus.NOT_FOUND,
        (),
        "No partner carries “EA00099”: the catalogue knows this store SKU but not its "
        "barcodes (GTINs).",
    )


def test_sql_wildcards_in_a_typed_code_match_only_themselves(gilet):
    assert code_resolve("TL-7111_").status is CodeStatus.NOT_FOUND
    assert code_resolve("EA%").status is CodeStatus.NOT_FOUND
