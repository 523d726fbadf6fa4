"""What was scanned or typed, turned into the GTINs a lookup asks partners about.

A code may be a GTIN in any spelling (EAN-13, UPC-A, GTIN-8, GTIN-14, with spaces or hyphens),
a UPC-E, a GS1 element string or Digital Link carrying a GTIN (Code 128 and QR codes), or a
code the catalogue knows: a store SKU, a partner's SKU or a partner's product number.
`code_resolve` never raises for what a person or a scanner sends: every outcome, including a
wrong check digit ("did you mean …?") and a code nobody knows, is a `ResolvedCode` whose
`message` the page shows.

Check digits and UPC-E expansion have one implementation, in `partners.mapping.gtin`.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

from catalog.selectors import CodeMatch, catalogue_code_match
from partners.mapping.gtin import GTIN_LENGTHS, Gtin, GtinError, gtin_normalise, upc_e_expand

# Longer than any code, GS1 Digital Link included; a scanner sending more sent something else.
CODE_MAX_LENGTH = 120
_SEPARATORS = re.compile(r"[\s-]")
# GS1 element strings: "(01)05012345678900(17)…" as printed, "0105012345678900…" as scanned.
_GS1_BRACKETED = re.compile(r"\(01\)(\d{14})(?:\(\d{2,4}\).*)?", re.ASCII | re.DOTALL)
_GS1_RAW = re.compile(r"01(\d{14})(?:[\d\x1d].*)?", re.ASCII | re.DOTALL)
# The group separator (FNC1) ends a variable-length field of a scanned GS1 element string.
_GROUP_SEPARATOR = "\x1d"
# GS1 Digital Link: https://id.example.com/01/05012345678900/10/ABC?…
_DIGITAL_LINK = re.compile(r"https?://[^/\s]+(?:/[^/\s]+)*?/01/(\d{8,14})(?:[/?#]\S*)?", re.ASCII)


class CodeStatus(StrEnum):
    RESOLVED = "resolved"
    CHECK_DIGIT_WRONG = "check_digit_wrong"
    NOT_FOUND = "not_found"
    INVALID = "invalid"


class CodeSource(StrEnum):
    GTIN = "gtin"
    UPC_E = "upc_e"
    GS1 = "gs1"
    STORE_SKU = "store_sku"
    PARTNER_SKU = "partner_sku"
    PARTNER_PRODUCT_NUMBER = "partner_product_number"


@dataclass(frozen=True)
class ResolvedCode:
    """The outcome of reading a code. When `status` is RESOLVED, `gtins` holds at least one
    GTIN (a store SKU or a product number may name several: one per size and colour) and
    `partner_ids` the partners whose own code it was (empty for barcodes). Otherwise `message`
    says what is wrong, and `suggestion` is the code with the right check digit, when that was
    the only thing wrong."""

    entered: str
    status: CodeStatus
    gtins: tuple[Gtin, ...] = ()
    source: CodeSource | None = None
    partner_ids: frozenset[int] = frozenset()
    message: str | None = None
    suggestion: str | None = None

    @property
    def resolved(self) -> bool:
        return self.status is CodeStatus.RESOLVED


@dataclass(frozen=True)
class _Barcode:
    """A reading of digits as a barcode: a GTIN, or the check digit it should have had."""

    gtin: Gtin | None = None
    source: CodeSource = CodeSource.GTIN
    problem: GtinError | None = None


def code_resolve(text: object, *, symbology: str | None = None) -> ResolvedCode:
    """Read what was scanned or typed. `symbology` is the barcode type a camera reported
    (BarcodeDetector's format, e.g. "upc_e", "ean_8"), when known: it settles whether eight
    digits are a UPC-E or a GTIN-8. Reads the catalogue for codes that are not barcodes."""
    if not isinstance(text, str):
        return _invalid("", "Scan or type a code.")
    entered = text.strip()
    if len(entered) > CODE_MAX_LENGTH:
        return _invalid(
            entered[:CODE_MAX_LENGTH] + "…",
            f"That is too long for a code: a code has at most {CODE_MAX_LENGTH} characters.",
        )
    if not entered:
        return _invalid("", "Scan or type a code.")
    if not entered.replace(_GROUP_SEPARATOR, "").isprintable():
        return _invalid(entered, "The code contains characters no barcode or SKU has.")
    barcode = _barcode_read(entered, symbology=symbology)
    if barcode is not None and barcode.gtin is not None:
        return ResolvedCode(
            entered=entered,
            status=CodeStatus.RESOLVED,
            gtins=(barcode.gtin,),
            source=barcode.source,
        )
    if match := catalogue_code_match(entered):
        return _catalogue_resolved(entered, match)
    if barcode is not None and barcode.problem is not None:
        problem = barcode.problem
        suggestion = f" Did you mean {problem.corrected}?" if problem.corrected else ""
        return ResolvedCode(
            entered=entered,
            # A GS1 string may carry a GTIN of the wrong length: no check digit to blame.
            status=CodeStatus.CHECK_DIGIT_WRONG if problem.corrected else CodeStatus.INVALID,
            message=f"{problem}.{suggestion}",
            suggestion=problem.corrected,
        )
    return ResolvedCode(
        entered=entered,
        status=CodeStatus.NOT_FOUND,
        message=f"No partner carries “{entered}”: it is not a barcode, and no store SKU or "
        "partner code in the catalogue matches it.",
    )


def _barcode_read(text: str, *, symbology: str | None = None) -> _Barcode | None:
    """`text` read as a barcode without the catalogue: a GTIN, a wrong check digit, or None
    when it is not a barcode's digits at all."""
    if gs1 := _gs1_gtin(text):
        try:
            return _Barcode(gtin=gtin_normalise(gs1), source=CodeSource.GS1)
        except GtinError as error:
            return _Barcode(problem=error, source=CodeSource.GS1)
    digits = _SEPARATORS.sub("", text)
    if not (digits.isascii() and digits.isdigit()):
        return None
    if len(digits) == 8:
        return _eight_digits(digits, symbology)
    if len(digits) not in GTIN_LENGTHS:
        return None
    try:
        return _Barcode(gtin=gtin_normalise(digits))
    except GtinError as error:
        return _Barcode(problem=error)


def _eight_digits(digits: str, symbology: str | None) -> _Barcode:
    """Eight digits are a UPC-E or a GTIN-8 (EAN-8). Unless the camera said which, a leading 0
    means UPC-E (a GTIN-8 starting with 0 is a shop's internal code, never a product's) and
    anything else GTIN-8; when that reading's check digit is wrong but the other's is right,
    the other is meant. A wrong check digit is reported for the first reading."""
    readings = [_as_upc_e, _as_gtin8] if digits[0] == "0" else [_as_gtin8, _as_upc_e]
    if symbology == "upc_e":
        readings = [_as_upc_e]
    elif symbology == "ean_8":
        readings = [_as_gtin8]
    first = readings[0](digits)
    if first.gtin is not None:
        return first
    for reading in readings[1:]:
        other = reading(digits)
        if other.gtin is not None:
            return other
    return first


def _as_upc_e(digits: str) -> _Barcode:
    try:
        return _Barcode(gtin=gtin_normalise(upc_e_expand(digits)), source=CodeSource.UPC_E)
    except GtinError as error:
        return _Barcode(problem=error, source=CodeSource.UPC_E)


def _as_gtin8(digits: str) -> _Barcode:
    try:
        return _Barcode(gtin=gtin_normalise(digits))
    except GtinError as error:
        return _Barcode(problem=error)


def _gs1_gtin(text: str) -> str | None:
    """The GTIN of a GS1 element string (AI 01) or a GS1 Digital Link, else None."""
    for pattern in (_GS1_BRACKETED, _GS1_RAW, _DIGITAL_LINK):
        if match := pattern.fullmatch(text):
            return match.group(1)
    return None


def _catalogue_resolved(entered: str, match: CodeMatch) -> ResolvedCode:
    source = CodeSource(match.matched)
    if not match.gtin14s:
        return ResolvedCode(
            entered=entered,
            status=CodeStatus.NOT_FOUND,
            source=source,
            message=f"No partner carries “{entered}”: the catalogue knows this store SKU but "
            "not its barcodes (GTINs).",
        )
    return ResolvedCode(
        entered=entered,
        status=CodeStatus.RESOLVED,
        gtins=tuple(Gtin(gtin14) for gtin14 in match.gtin14s),
        source=source,
        partner_ids=match.partner_ids,
    )


def _invalid(entered: str, message: str) -> ResolvedCode:
    return ResolvedCode(entered=entered, status=CodeStatus.INVALID, message=message)
