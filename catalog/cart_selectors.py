"""Reads of carts for their pages, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from catalog.models import Cart, CartLine
from partners.models import Partner
from stores.models import Store

# Totals keep the two decimals money columns have, even for an empty cart.
ZERO = Decimal("0.00")


def cart_active_for(*, store: Store, user: AbstractBaseUser) -> Cart | None:
    """The user's active cart at `store`, or None before the first add (one query)."""
    return (
        Cart.objects.select_related("store")
        .filter(store=store, associate=user, status=Cart.Status.ACTIVE)
        .first()
    )


def carts_parked(*, store: Store, now: datetime | None = None) -> QuerySet[Cart]:
    """The store's parked carts not yet expired, most recently parked first, each with its
    number of items and who parked it (one query)."""
    now = now or timezone.now()
    return (
        Cart.objects.filter(store=store, status=Cart.Status.PARKED, expires_at__gt=now)
        .select_related("associate")
        .annotate(item_count=Sum("lines__quantity"), line_count=Count("lines"))
        .order_by("-parked_at", "-pk")
    )


@dataclass(frozen=True)
class PartnerLines:
    """A partner's lines in a cart and their subtotal (lines with a problem are left out)."""

    partner: Partner
    lines: tuple[CartLine, ...]
    subtotal: Decimal


@dataclass(frozen=True)
class CartSummary:
    cart: Cart | None
    currency: str
    groups: tuple[PartnerLines, ...]
    total: Decimal

    @property
    def line_count(self) -> int:
        return sum(len(group.lines) for group in self.groups)

    @property
    def item_count(self) -> int:
        return sum(line.quantity for group in self.groups for line in group.lines)

    @property
    def has_problems(self) -> bool:
        return any(not line.counts for group in self.groups for line in group.lines)


def cart_summary(*, cart: Cart | None, currency: str) -> CartSummary:
    """The cart's lines grouped by partner (by priority, then name), each group's subtotal and
    the total, in `currency` (the store's): one query whatever the number of lines."""
    groups: list[PartnerLines] = []
    if cart is not None:
        lines = CartLine.objects.filter(cart=cart).select_related("partner")
        by_partner: dict[int, list[CartLine]] = {}
        for line in lines:
            by_partner.setdefault(line.partner_id, []).append(line)
        for partner_lines in by_partner.values():
            groups.append(
                PartnerLines(
                    partner=partner_lines[0].partner,
                    lines=tuple(partner_lines),
                    subtotal=sum(
                        (line.line_total for line in partner_lines if _counted(line, currency)),
                        ZERO,
                    ),
                )
            )
    return CartSummary(
        cart=cart,
        currency=currency,
        groups=tuple(groups),
        total=sum((group.subtotal for group in groups), ZERO),
    )


def _counted(line: CartLine, currency: str) -> bool:
    """A line priced in another currency (the store changed its own since) is not added up:
    the next re-check prices it in the store's."""
    return line.counts and line.currency == currency
