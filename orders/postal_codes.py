"""Postal codes of the countries we deliver to most: checked and written the one way partners
and carriers expect (GB "SW1A 1AA", IE "D02 X285", US "94105-1420", CA "K1A 0B1", DE and FR
five digits).

A customer may type a code in any case, with or without its space (or hyphen): the code is
compacted (upper case, spaces and hyphens removed), matched, then laid out again. A country
without a known format takes any short code of letters, digits, spaces and hyphens, or none:
some countries have no postal codes.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

POSTAL_CODE_MAX_CHARS = 16
_ANY_CODE = re.compile(r"[A-Z0-9][A-Z0-9 -]*")
_SEPARATORS = re.compile(r"[\s-]+")


class PostalCodeError(ValueError):
    """The code does not fit the country's format; the message says how it should look."""


@dataclass(frozen=True)
class PostalCodeFormat:
    label: str
    noun: str  # with its article, for sentences: "a US ZIP code"
    pattern: re.Pattern[str]  # matched against the compacted code
    example: str
    layout: Callable[[re.Match[str]], str]


def _spaced(match: re.Match[str]) -> str:
    return " ".join(match.groups())


def _hyphenated(match: re.Match[str]) -> str:
    return "-".join(part for part in match.groups() if part)


_LETTER_CA = "[ABCEGHJ-NPRSTV-Z]"
# Eircode routing keys start with a letter other than B, G, I, J, L, M, O, Q, S, U or Z.
_LETTER_IE = "[AC-FHKNPRTV-Y]"
FORMATS = {
    "GB": PostalCodeFormat(
        "Postcode",
        "a UK postcode",
        re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?|GIR)([0-9][A-Z]{2})"),
        "SW1A 1AA",
        _spaced,
    ),
    "IE": PostalCodeFormat(
        "Eircode",
        "an Eircode",
        re.compile(rf"({_LETTER_IE}[0-9]{{2}}|D6W)([0-9AC-FHKNPRTV-Y]{{4}})"),
        "D02 X285",
        _spaced,
    ),
    "US": PostalCodeFormat(
        "ZIP code",
        "a US ZIP code",
        re.compile(r"([0-9]{5})([0-9]{4})?"),
        "94105 or 94105-1420",
        _hyphenated,
    ),
    "CA": PostalCodeFormat(
        "Postal code",
        "a Canadian postal code",
        re.compile(rf"([ABCEGHJ-NPRSTVXY][0-9]{_LETTER_CA})([0-9]{_LETTER_CA}[0-9])"),
        "K1A 0B1",
        _spaced,
    ),
    "DE": PostalCodeFormat(
        "Postal code (PLZ)", "a German postal code", re.compile(r"([0-9]{5})"), "10115", _spaced
    ),
    "FR": PostalCodeFormat(
        "Postal code", "a French postal code", re.compile(r"([0-9]{5})"), "75001", _spaced
    ),
}


def postal_code_missing(country: str) -> str | None:
    """What to ask for when `country`'s addresses need a code and none was given; None when
    they need none."""
    known = FORMATS.get(country)
    return f"Enter {known.noun}." if known else None


def postal_code_label(country: str) -> str:
    known = FORMATS.get(country)
    return known.label if known else "Postal code"


def postal_code_normalised(code: str, country: str) -> str:
    """`code` as `country` writes it, "" for none; raises PostalCodeError when it does not fit.
    Whether a code is required is the caller's question (`postal_code_required`)."""
    known = FORMATS.get(country)
    typed = code.strip().upper()
    if not typed:
        return ""
    if known is None:
        if len(typed) > POSTAL_CODE_MAX_CHARS or not _ANY_CODE.fullmatch(typed):
            raise PostalCodeError(
                f"Enter the postal code in letters, digits, spaces or hyphens "
                f"(at most {POSTAL_CODE_MAX_CHARS})."
            )
        return " ".join(typed.split())
    match = known.pattern.fullmatch(_SEPARATORS.sub("", typed))
    if match is None:
        raise PostalCodeError(
            f"“{code.strip()}” is not {known.noun}: write it like {known.example}."
        )
    return known.layout(match)
