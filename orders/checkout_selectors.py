"""What the checkout page shows before Pay: the cart's lines as their partners offer them now,
grouped into the partner orders checkout will make, with shipping, tax and totals from
`checkout_totals` (the same function the checkout service prices with), and the prices the
associate is about to confirm (`SeenPrices`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from catalog.cart_services import CartRepricing
from catalog.models import Cart, CartLine
from orders.checkout_services import SeenPrices, repriced_totals
from orders.totals import (
    CheckoutTotals,
    PartnerOrderTotals,
    TotalsRefused,
)
from partners.models import Partner
from stores.models import Store


@dataclass(frozen=True)
class PreviewLine:
    line: CartLine
    amount: Decimal


@dataclass(frozen=True)
class PreviewPartnerOrder:
    partner: Partner
    lines: tuple[PreviewLine, ...]
    totals: PartnerOrderTotals


@dataclass(frozen=True)
class CheckoutPreview:
    """`problems` lists why the cart cannot be paid for as it is (a line unavailable, no
    totals); when empty, `totals` and `seen` are set."""

    partner_orders: tuple[PreviewPartnerOrder, ...]
    totals: CheckoutTotals | None
    seen: SeenPrices | None
    problems: tuple[str, ...]

    @property
    def card_token_count(self) -> int:
        """How many single-use card tokens Pay needs: one per partner order."""
        return len(self.partner_orders)


def checkout_preview(*, cart: Cart, store: Store, repricing: CartRepricing) -> CheckoutPreview:
    """The checkout of `cart` as `repricing` (a fresh `cart_reprice`) found it."""
    lines = list(cart.lines.select_related("partner").order_by("pk"))
    problems = [
        f"{line.product_name} ({line.partner.name}): "
        + (check.reason if check else "could not be checked again just now.")
        for line in lines
        if (check := repricing.checks.get(line.pk)) is None or not check.orderable
    ]
    if problems:
        return CheckoutPreview((), None, None, tuple(problems))
    try:
        by_partner, totals = repriced_totals(lines=lines, repricing=repricing, store=store)
    except TotalsRefused as refused:
        return CheckoutPreview((), None, None, refused.reasons)
    partner_orders = tuple(
        PreviewPartnerOrder(
            partner=by_partner[result.partner_id][0].partner,
            lines=tuple(
                PreviewLine(by_partner[result.partner_id][number], amount)
                for number, amount in zip(result.line_numbers, result.line_amounts, strict=True)
            ),
            totals=result,
        )
        for result in totals.partner_orders
    )
    seen = SeenPrices(
        unit_prices={line.pk: repricing.checks[line.pk].unit_price for line in lines},
        total=totals.total,
    )
    return CheckoutPreview(partner_orders, totals, seen, ())
