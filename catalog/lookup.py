"""The lookup service: ask partners for a code at once, merge their offers into product views.

Which partners to ask is the caller's choice: those the catalogue routes the code to, else
every live partner (`catalog.selectors.partners_live`). See `catalog.fanout` for the threads,
the deadline, the cache and the database, and `catalog.offers` for grouping and ranking.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from catalog.fanout import OutcomeStatus, PartnerOutcome, PartnerRequest, partners_ask
from catalog.offers import PartnerItem, ProductView, SellingPrice, product_views, unpriced
from partners.mapping import Availability, Product, lookup_input
from partners.models import Partner
from partners.operations import Operation

CODE_MAX_CHARS = 64  # a GTIN has 14 digits; a partner's product number stays well below this
QUANTITY_MAX = 999


@dataclass(frozen=True)
class LookupResult:
    """`code` is the form partners were asked (GTIN-13 for a retail GTIN), `gtin14` the
    internal form when the code is a GTIN. `views` hold the offers, the view of the item
    looked up first; `outcomes` each partner's part, in the order the partners were given."""

    code: str
    gtin14: str | None
    quantity: int
    outcomes: tuple[PartnerOutcome[Product | Availability], ...]
    views: tuple[ProductView, ...]

    def with_status(self, status: OutcomeStatus) -> list[PartnerOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status == status]

    @property
    def not_answering(self) -> list[PartnerOutcome]:
        return self.with_status(OutcomeStatus.NOT_ANSWERING)

    @property
    def not_carried(self) -> list[PartnerOutcome]:
        return self.with_status(OutcomeStatus.NOT_CARRIED)


def lookup_arguments(code: str, quantity: int = 1) -> dict[str, Any]:
    """`lookup_input` (the code as partners see it, its GTIN-14 when it is a GTIN, the
    quantity) within our bounds; ValueError for an empty code, one over CODE_MAX_CHARS
    characters, or a quantity not in 1..QUANTITY_MAX."""
    if not isinstance(code, str) or len(code) > CODE_MAX_CHARS:
        raise ValueError(f"a code has at most {CODE_MAX_CHARS} characters")
    arguments = lookup_input(code, quantity)
    if arguments["quantity"] > QUANTITY_MAX:
        raise ValueError(f"at most {QUANTITY_MAX} can be looked up at once, got {quantity}")
    return arguments


def catalog_lookup(
    *,
    code: str,
    partners: Iterable[Partner],
    selling_price: SellingPrice = unpriced,
    quantity: int = 1,
    refresh: bool = False,
    deadline_seconds: float | None = None,
) -> LookupResult:
    """Ask `partners` concurrently for `code` (from the cache unless `refresh`) and merge the
    offers. Never inside a transaction (`PartnerCallsInTransaction`); ValueError for a code
    or quantity out of bounds, before any partner is asked."""
    arguments = lookup_arguments(code, quantity)
    code, quantity, gtin14 = arguments["code"], arguments["quantity"], arguments["gtin14"]
    request = PartnerRequest(
        operation=Operation.LOOKUP,
        arguments={"code": code, "quantity": quantity},
        call=lambda adapter: adapter.lookup(code, quantity),
    )
    outcomes = partners_ask(
        partners, lambda _: request, refresh=refresh, deadline_seconds=deadline_seconds
    )
    views = product_views(
        (
            PartnerItem(
                outcome.partner,
                outcome.answer,
                outcome.fetched_at,
                gtin=code if gtin14 else None,
            )
            for outcome in outcomes
            if outcome.answered
        ),
        quantity=quantity,
        selling_price=selling_price,
        today=timezone.localdate(),
    )
    if gtin14:
        views.sort(key=lambda view: view.variant(code) is None)
    return LookupResult(
        code=code,
        gtin14=gtin14,
        quantity=quantity,
        outcomes=tuple(outcomes),
        views=tuple(views),
    )
