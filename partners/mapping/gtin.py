"""GTINs (GTIN-8, -12 / UPC-A, -13 / EAN and -14): check digits and the forms we use.

One code has several spellings: UPC-A 012345678905, EAN 0012345678905 and GTIN-14
00012345678905 are the same item. `gtin_normalise` reads any of them and gives both forms we use:

- `gtin14`, the internal form: 14 digits, zero-padded on the left, so equal items compare equal;
- `code`, the form partners see: the GTIN-13 (EAN) form of a retail code, or the 14 digits of a
  GTIN-14 whose indicator digit (the first) is not 0, which names a case or pack and has no
  GTIN-13 form.

UPC-E is not a GTIN but a compressed barcode of a UPC-A: `upc_e_expand` gives the UPC-A it
stands for, whose check digit the UPC-E carries.
"""

import re
from dataclasses import dataclass

GTIN_LENGTHS = (8, 12, 13, 14)
# Printed barcodes group their digits ("5 012345 678900"); people type them that way.
_SEPARATORS = re.compile(r"[\s-]")


class GtinError(ValueError):
    """The text is not a GTIN; the message says why in words a person can act on.
    `corrected` is the code with the right check digit when only that digit is wrong, so a page
    can ask "did you mean …?"."""

    def __init__(self, message: str, *, corrected: str | None = None) -> None:
        super().__init__(message)
        self.corrected = corrected


def gtin_check_digit(body: str) -> int:
    """The check digit for the digits before it: weights 3, 1, 3, … from the right."""
    total = sum(int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(body[::-1]))
    return (10 - total % 10) % 10


@dataclass(frozen=True)
class Gtin:
    """A valid GTIN. Create it with `gtin_normalise`."""

    gtin14: str

    @property
    def code(self) -> str:
        """The form partners see: GTIN-13 for retail codes, all 14 digits for a case or pack."""
        return self.gtin14 if self.gtin14[0] != "0" else self.gtin14[1:]

    @property
    def is_retail(self) -> bool:
        """True for GTIN-8, -12 and -13 (and a GTIN-14 with indicator digit 0)."""
        return self.gtin14[0] == "0"


def gtin_normalise(text: str) -> Gtin:
    """The GTIN in `text` (spaces and hyphens between digits are ignored); raises GtinError
    saying what is wrong, naming the expected check digit when only that is wrong."""
    if not isinstance(text, str):
        raise GtinError(f"a GTIN is text, got {type(text).__name__}")
    digits = _SEPARATORS.sub("", text)
    if len(digits) not in GTIN_LENGTHS or not digits.isascii() or not digits.isdigit():
        raise GtinError(f"{text.strip()!r} is not a GTIN: a GTIN has 8, 12, 13 or 14 digits")
    _check_digit_verify(digits, digits)
    return Gtin(digits.zfill(14))


def upc_e_expand(text: str) -> str:
    """The 12-digit UPC-A that an 8-digit UPC-E (number system 0 or 1, six digits, check
    digit) stands for; raises GtinError when it is not one, naming the right check digit
    when only that is wrong. Spaces and hyphens between digits are ignored."""
    if not isinstance(text, str):
        raise GtinError(f"a UPC-E is text, got {type(text).__name__}")
    digits = _SEPARATORS.sub("", text)
    if len(digits) != 8 or not digits.isascii() or not digits.isdigit() or digits[0] not in "01":
        raise GtinError(
            f"{text.strip()!r} is not a UPC-E: a UPC-E has 8 digits and starts with 0 or 1"
        )
    system, middle, check = digits[0], digits[1:7], digits[7]
    body = system + _upc_e_middle_expanded(middle)
    _check_digit_verify(body + check, digits)
    return body + check


def _upc_e_middle_expanded(middle: str) -> str:
    """The 10 digits (manufacturer and item number) that UPC-E's six digits compress: its last
    digit says where the zeros of the manufacturer and item numbers were left out."""
    last = middle[5]
    if last in "012":
        return middle[0:2] + last + "0000" + middle[2:5]
    if last == "3":
        return middle[0:3] + "00000" + middle[3:5]
    if last == "4":
        return middle[0:4] + "00000" + middle[4]
    return middle[0:5] + "0000" + last


def _check_digit_verify(code: str, as_given: str) -> None:
    """Raise GtinError unless `code` ends in its check digit; the message and the correction
    speak of the code `as_given` (whose last digit is the same check digit)."""
    expected = gtin_check_digit(code[:-1])
    if int(code[-1]) != expected:
        raise GtinError(
            f"{as_given} has a wrong check digit: the last digit is {as_given[-1]}, "
            f"it should be {expected}",
            corrected=f"{as_given[:-1]}{expected}",
        )


def gtin_problem(code: str) -> str | None:
    """What is wrong with `code` as a GTIN field of a mapping's result, or None when valid.
    Stricter than `gtin_normalise`: a partner's field holds the digits only."""
    if len(code) not in GTIN_LENGTHS or not code.isascii() or not code.isdigit():
        return "must be 8, 12, 13 or 14 digits"
    expected = gtin_check_digit(code[:-1])
    if int(code[-1]) != expected:
        return f"has a wrong check digit (the last digit should be {expected})"
    return None
