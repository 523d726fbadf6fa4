"""Amounts in a currency: how many decimals each currency has, and rounding to them.

Prices are Decimal everywhere; a float never holds money. Each currency is rounded to its own
minor unit (ISO 4217's exponent): pence and cents have two decimals, yen none, Kuwaiti fils three.
"""

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 currencies whose minor unit is not a hundredth. Every other currency has two decimals.
_DECIMALS = {
    **dict.fromkeys(
        (
            "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
            "VND", "VUV", "XAF", "XOF", "XPF",
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}  # fmt: skip
# The money columns of the catalogue keep two decimals (see `validate_stored_currency`).
STORED_DECIMALS = 2


def currency_decimals(currency: str) -> int:
    return _DECIMALS.get(currency, 2)


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of `currency`: 0.01 for GBP and EUR, 1 for JPY."""
    return Decimal(1).scaleb(-currency_decimals(currency))


def money_round(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half up to the minor unit of `currency`."""
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def stored_currency_problem(currency: str) -> str | None:
    """Why the catalogue cannot keep prices in `currency`, or None when it can: its columns
    keep two decimals, so a currency with more would lose its smallest coins."""
    if currency_decimals(currency) > STORED_DECIMALS:
        return (
            f"{currency} has {currency_decimals(currency)} decimals; catalogue prices and "
            f"costs keep {STORED_DECIMALS}"
        )
    return None
