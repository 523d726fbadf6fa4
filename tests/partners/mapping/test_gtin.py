"""One GTIN implementation: check digits, the two forms we use, and errors a person can act on."""

import pytest

from partners.mapping import (
    Gtin,
    GtinError,
    gtin_check_digit,
    gtin_normalise,
    lookup_input,
    upc_e_expand,
)


@pytest.mark.parametrize(
    ("body", "digit"),
    # GS1's own examples: EAN-13 4006381333931, 5901234123457; UPC-A 036000291452; EAN-8 96385074.
    [("400638133393", 1), ("590123412345", 7), ("03600029145", 2), ("9638507", 4)],
)
def test_check_digits_of_gs1_examples(body, digit):
    assert gtin_check_digit(body) == digit


@pytest.mark.parametrize(
    ("text", "gtin14", "code"),
    [
        ("5012345678900", "05012345678900", "5012345678900"),  # EAN-13 stays
        ("036000291452", "00036000291452", "0036000291452"),  # UPC-A gains a leading 0
        ("96385074", "00000096385074", "0000096385074"),  # GTIN-8 padded to 13
        ("05012345678900", "05012345678900", "5012345678900"),  # GTIN-14, indicator 0
        ("15012345678907", "15012345678907", "15012345678907"),  # a case: keeps 14 digits
        (" 5 012345 678900 ", "05012345678900", "5012345678900"),  # as printed
        ("5-012345-678900", "05012345678900", "5012345678900"),
    ],
)
def test_every_spelling_of_a_code_gives_the_same_forms(text, gtin14, code):
    gtin = gtin_normalise(text)

    assert gtin == Gtin(gtin14)
    assert (gtin.gtin14, gtin.code) == (gtin14, code)
    assert gtin.is_retail is (gtin14[0] == "0")


def test_a_wrong_check_digit_names_the_digit_expected():
    with pytest.raises(GtinError) as raised:
        gtin_normalise("5012345678901")

    assert str(raised.value) == (
        "5012345678901 has a wrong check digit: the last digit is 1, it should be 0"
    )


FULL_WIDTH_DIGITS = "".join(chr(0xFF10 + int(digit)) for digit in "5012345678900")


@pytest.mark.parametrize(
    "text", ["", "50123456789", "50123456789001X", "TL-12345", FULL_WIDTH_DIGITS]
)
def test_what_is_not_a_gtin_says_how_many_digits_a_gtin_has(text):
    with pytest.raises(GtinError, match="a GTIN has 8, 12, 13 or 14 digits"):
        gtin_normalise(text)


def test_a_gtin_must_be_text():
    with pytest.raises(GtinError, match="a GTIN is text, got int"):
        gtin_normalise(5012345678900)


@pytest.mark.parametrize(
    ("code", "quantity", "expected"),
    [
        ("036000291452", 1, {"code": "0036000291452", "gtin14": "00036000291452", "quantity": 1}),
        ("05012345678900", 3, {"code": "5012345678900", "gtin14": "05012345678900", "quantity": 3}),
        (
            "15012345678907",
            1,
            {"code": "15012345678907", "gtin14": "15012345678907", "quantity": 1},
        ),
        # Not a GTIN (a product number, or digits whose check digit is wrong): passed as given.
        (" TL-12345 ", 1, {"code": "TL-12345", "gtin14": None, "quantity": 1}),
        ("5012345678901", 1, {"code": "5012345678901", "gtin14": None, "quantity": 1}),
        ("5 012345 678900", 1, {"code": "5 012345 678900", "gtin14": None, "quantity": 1}),
    ],
)
def test_lookup_input_gives_partners_the_gtin_13_form_and_the_quantity(code, quantity, expected):
    assert lookup_input(code, quantity) == expected


def test_lookup_input_quantity_defaults_to_one():
    assert lookup_input("5012345678900")["quantity"] == 1


@pytest.mark.parametrize(
    ("code", "quantity", "message"),
    [
        ("", 1, "a lookup needs a code"),
        ("   ", 1, "a lookup needs a code"),
        ("5012345678900", 0, "quantity must be a whole number of 1 or more, got 0"),
        ("5012345678900", 1.5, "quantity must be a whole number of 1 or more, got 1.5"),
        ("5012345678900", True, "quantity must be a whole number of 1 or more, got True"),
    ],
)
def test_lookup_input_refuses_what_no_lookup_can_use(code, quantity, message):
    with pytest.raises(ValueError, match=message):
        lookup_input(code, quantity)


@pytest.mark.parametrize(
    ("upc_e", "upc_a"),
    # Each way UPC-E's sixth digit compresses the UPC-A: 0-2, 3, 4, 5-9; number system 1.
    [
        ("06543217", "065100004327"),
        ("01234505", "012000003455"),
        ("01234531", "012300000451"),
        ("01234543", "012340000053"),
        ("01234565", "012345000065"),
        ("12345670", "123456000070"),
        ("0 123456 5", "012345000065"),
    ],
)
def test_upc_e_expands_to_the_upc_a_it_compresses(upc_e, upc_a):
    assert upc_e_expand(upc_e) == upc_a


@pytest.mark.parametrize("text", ["0123456", "012345650", "21234565", "O1234565"])
def test_what_is_not_a_upc_e_says_what_one_is(text):
    with pytest.raises(GtinError, match="a UPC-E has 8 digits and starts with 0 or 1") as raised:
        upc_e_expand(text)

    assert raised.value.corrected is None


def test_a_wrong_check_digit_carries_the_corrected_code():
    with pytest.raises(GtinError) as wrong_upc_e:
        upc_e_expand("01234560")
    with pytest.raises(GtinError) as wrong_ean:
        gtin_normalise("5 012345 678901")

    assert (str(wrong_upc_e.value), wrong_upc_e.value.corrected) == (
        "01234560 has a wrong check digit: the last digit is 0, it should be 5",
        "01234565",
    )
    assert wrong_ean.value.corrected == "5012345678900"
