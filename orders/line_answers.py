"""Which of a partner order's lines a partner's answer rejects. Confirmations and status updates
name a line by its SKU, its GTIN or both (`ConfirmationLine`, `StatusLine`); one answer
rejects at most one line of ours."""

from collections.abc import Iterable
from typing import Protocol

from orders.models import OrderLine

REJECTED_BY_PARTNER = "Rejected by the partner."
REASON_MAX_LENGTH = 300


class LineAnswer(Protocol):
    partner_sku: str | None
    gtin: str | None
    accepted: bool | None
    reason: str | None


def lines_rejected_by(lines: list[OrderLine], answers: Iterable[LineAnswer]) -> dict[int, str]:
    """Line id → the partner's reason, for each answer that says `accepted: false`."""
    rejected: dict[int, str] = {}
    for answer in answers:
        if answer.accepted is not False:
            continue
        for line in lines:
            if line.pk not in rejected and _names(answer, line):
                rejected[line.pk] = (answer.reason or REJECTED_BY_PARTNER)[:REASON_MAX_LENGTH]
                break
    return rejected


def _names(answer: LineAnswer, line: OrderLine) -> bool:
    return bool(
        (answer.partner_sku and answer.partner_sku == line.partner_sku)
        or (answer.gtin and line.gtin and answer.gtin.zfill(14) == line.gtin.zfill(14))
    )
