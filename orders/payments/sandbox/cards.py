"""The sandbox gateway's card checks and its test cards.

Checks as a real gateway's tokenisation does them, each failure named by the form field it
belongs to, so the card form can show it beside that field: `number` (digits, length, Luhn,
a brand we accept), `expiry` (a real month, not in the past) and `cvc` (3 digits, 4 for Amex).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date


class CardBehaviour(enum.StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    REVIEW = "review"
    GATEWAY_ERROR = "gateway_error"  # authorise answers 500 and holds nothing
    TIMEOUT = "timeout"  # authorise holds the funds, then keeps the answer back (see server)


@dataclass(frozen=True)
class SandboxCard:
    number: str
    brand: str
    behaviour: CardBehaviour
    description: str


TEST_CARDS = (
    SandboxCard("4242424242424242", "visa", CardBehaviour.APPROVE, "approved"),
    SandboxCard("5555555555554444", "mastercard", CardBehaviour.APPROVE, "approved"),
    SandboxCard("378282246310005", "amex", CardBehaviour.APPROVE, "approved (4-digit CVC)"),
    SandboxCard("4000000000000002", "visa", CardBehaviour.DECLINE, "declined: card_declined"),
    SandboxCard(
        "4000000000009995",
        "visa",
        CardBehaviour.INSUFFICIENT_FUNDS,
        "declined: insufficient_funds",
    ),
    SandboxCard("4000000000000101", "visa", CardBehaviour.REVIEW, "held for review"),
    SandboxCard(
        "4000000000000119", "visa", CardBehaviour.GATEWAY_ERROR, "authorise fails with a 500"
    ),
    SandboxCard(
        "4000000000000127",
        "visa",
        CardBehaviour.TIMEOUT,
        "approved, but the answer is held back until released (a timeout)",
    ),
)
_BEHAVIOURS = {card.number: card.behaviour for card in TEST_CARDS}

MIN_NUMBER_DIGITS = 12
MAX_NUMBER_DIGITS = 19
MAX_YEARS_AHEAD = 20


@dataclass(frozen=True)
class Card:
    """A card that passed the checks. Lives only in the sandbox's memory, never in a log."""

    number: str
    brand: str
    exp_month: int
    exp_year: int

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def behaviour(self) -> CardBehaviour:
        """Any valid card not in the table is approved."""
        return _BEHAVIOURS.get(self.number, CardBehaviour.APPROVE)


class CardInvalid(ValueError):
    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("The card details are not valid")
        self.fields = fields


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, character in enumerate(reversed(digits)):
        value = int(character)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_brand(digits: str) -> str | None:
    if digits.startswith("4"):
        return "visa"
    if digits[:2] in {"34", "37"}:
        return "amex"
    if 51 <= int(digits[:2]) <= 55 or 2221 <= int(digits[:4]) <= 2720:
        return "mastercard"
    return None


def card_validate(payload: object, *, today: date) -> Card:
    """The card in a tokenisation request, or CardInvalid naming every bad field."""
    fields = payload if isinstance(payload, dict) else {}
    problems: dict[str, str] = {}
    number, brand = _number(fields.get("number"), problems)
    month, year = _expiry(fields.get("exp_month"), fields.get("exp_year"), today, problems)
    _cvc(fields.get("cvc"), brand, problems)
    if problems:
        raise CardInvalid(problems)
    return Card(number=number, brand=brand or "", exp_month=month, exp_year=year)


def _number(value: object, problems: dict[str, str]) -> tuple[str, str | None]:
    digits = value.replace(" ", "").replace("-", "") if isinstance(value, str) else ""
    if not digits:
        problems["number"] = "Enter the card number."
    elif not digits.isdigit() or not digits.isascii():
        problems["number"] = "The card number may only hold digits."
    elif not MIN_NUMBER_DIGITS <= len(digits) <= MAX_NUMBER_DIGITS:
        problems["number"] = "The card number is too short or too long."
    elif not luhn_valid(digits):
        problems["number"] = "The card number is not valid: check it for a typing mistake."
    elif (brand := card_brand(digits)) is None:
        problems["number"] = "Only Visa, Mastercard and American Express cards are accepted."
    else:
        return digits, brand
    return "", None


def _expiry(
    month_value: object, year_value: object, today: date, problems: dict[str, str]
) -> tuple[int, int]:
    month, year = _small_number(month_value), _small_number(year_value)
    if month is None or not 1 <= month <= 12:
        problems["expiry"] = "Enter the expiry month as a number from 1 to 12."
        return 0, 0
    if year is None:
        problems["expiry"] = "Enter the expiry year."
        return 0, 0
    if year < 100:
        year += 2000
    if (year, month) < (today.year, today.month):
        problems["expiry"] = "The card has expired."
    elif year > today.year + MAX_YEARS_AHEAD:
        problems["expiry"] = "The expiry year is too far ahead: check it."
    return month, year


def _small_number(value: object) -> int | None:
    if type(value) is int:
        return value
    if isinstance(value, str) and value.isdigit() and value.isascii() and len(value) <= 4:
        return int(value)
    return None


def _cvc(value: object, brand: str | None, problems: dict[str, str]) -> None:
    length = 4 if brand == "amex" else 3
    if not isinstance(value, str) or not value:
        problems["cvc"] = "Enter the security code (CVC)."
    elif not (value.isdigit() and value.isascii() and len(value) == length):
        problems["cvc"] = f"The security code (CVC) is {length} digits."
