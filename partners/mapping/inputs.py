"""What an operation's mappings receive as input (`$` in a request mapping, `$input` in a
response mapping), built in one place for the adapter, Test connection and the preview."""

from typing import Any

from partners.mapping.gtin import GTIN_LENGTHS, GtinError, gtin_normalise


def lookup_input(code: str, quantity: int = 1) -> dict[str, Any]:
    """The lookup input: `code` as partners see it, `gtin14` and the `quantity` wanted.

    A code of 8, 12, 13 or 14 digits with a right check digit is a GTIN: `code` is then its
    GTIN-13 form (a GTIN-14 keeps its 14 digits only when its indicator digit is not 0) and
    `gtin14` the internal 14-digit form. Any other code (a partner's product number) is passed
    as given, without surrounding spaces, with `gtin14` null. Raises ValueError for an empty
    code or a quantity that is not a whole number of 1 or more: the caller's mistake.
    """
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise ValueError(f"quantity must be a whole number of 1 or more, got {quantity!r}")
    text = code.strip()
    if not text:
        raise ValueError("a lookup needs a code")
    gtin = None
    if len(text) in GTIN_LENGTHS and text.isascii() and text.isdigit():
        try:
            gtin = gtin_normalise(text)
        except GtinError:
            gtin = None  # digits with a wrong check digit: perhaps a product number
    return {
        "code": gtin.code if gtin else text,
        "gtin14": gtin.gtin14 if gtin else None,
        "quantity": quantity,
    }


def search_input(query: str, page: int = 1) -> dict[str, Any]:
    return {"query": query, "page": page}


def similar_input(partner_product_id: str) -> dict[str, Any]:
    return {"partner_product_id": partner_product_id}


def partner_order_input(partner_order_id: str) -> dict[str, Any]:
    """The input of order_status and cancel_order."""
    return {"partner_order_id": partner_order_id}
