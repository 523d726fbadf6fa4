"""The order state machine: the statuses, the moves allowed between them, and the order's
status derived from its partner orders and lines (docs/orders.md shows the same tables).

Two kinds of move reach these tables. People and our own pipeline move a partner order on
purpose (claim it, retry it, mark it placed); those are checked with `allows`. A partner reports
where its order stands (webhook or poll), and such reports arrive late, twice or out of order:
`is_stale` recognises a report that is no further along than what we already know, so status
sync can ignore it instead of moving an order backwards.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import models


class PartnerOrderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUBMITTED = "submitted", "Sent to the partner"
    NEEDS_REVIEW = "needs_review", "Needs review"
    FAILED = "failed", "Failed"
    ACCEPTED = "accepted", "Accepted"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


class LineStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


class OrderStatus(models.TextChoices):
    """Never set by hand: derived by `order_status_derive` and stored for filtering."""

    PENDING = "pending", "Pending"
    SUBMITTED = "submitted", "Sent to partners"
    NEEDS_REVIEW = "needs_review", "Needs review"
    FAILED = "failed", "Failed"
    ACCEPTED = "accepted", "Accepted"
    PARTIALLY_REJECTED = "partially_rejected", "Partially rejected"
    PARTIALLY_SHIPPED = "partially_shipped", "Partially shipped"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


class IllegalTransition(Exception):
    def __init__(self, current: str, to: str) -> None:
        super().__init__(f"Cannot move from {current} to {to}.")
        self.current = current
        self.to = to


@dataclass(frozen=True)
class StateMachine:
    transitions: Mapping[str, frozenset[str]]
    # How far along a status is; equal ranks are alternatives (e.g. delivered, rejected).
    rank: Mapping[str, int]

    def allows(self, current: str, to: str) -> bool:
        return to in self.transitions[current]

    def is_stale(self, current: str, reported: str) -> bool:
        """A reported status no further along than `current`: a repeat, or a report overtaken
        by a later one (an 'accepted' arriving after 'shipped')."""
        return self.rank[reported] <= self.rank[current]


P = PartnerOrderStatus
L = LineStatus

PARTNER_ORDER = StateMachine(
    transitions={
        # Claimed for sending; a permanent problem before sending; cancelled before sending.
        P.PENDING: frozenset({P.SUBMITTED, P.FAILED, P.CANCELLED}),
        # The partner's answer (a first report may skip ahead: 'shipped' before 'accepted'),
        # a failure after the last attempt, or an unknown outcome for a partner that cannot
        # recognise a repeat.
        P.SUBMITTED: frozenset(
            {P.ACCEPTED, P.SHIPPED, P.DELIVERED, P.REJECTED, P.CANCELLED, P.FAILED, P.NEEDS_REVIEW}
        ),
        # A manager re-sends or marks it placed; or the partner turns out to hold it.
        P.NEEDS_REVIEW: frozenset(
            {P.SUBMITTED, P.ACCEPTED, P.SHIPPED, P.DELIVERED, P.REJECTED, P.CANCELLED}
        ),
        # A manager retries (same idempotency key) or gives up.
        P.FAILED: frozenset({P.PENDING, P.CANCELLED}),
        # Lines may ship one by one meanwhile; the partner order ships when the partner says so.
        P.ACCEPTED: frozenset({P.SHIPPED, P.DELIVERED, P.CANCELLED}),
        P.SHIPPED: frozenset({P.DELIVERED}),
        P.DELIVERED: frozenset(),
        P.REJECTED: frozenset(),
        P.CANCELLED: frozenset(),
    },
    rank={
        P.PENDING: 0,
        P.SUBMITTED: 1,
        P.NEEDS_REVIEW: 1,
        P.FAILED: 1,
        P.ACCEPTED: 2,
        P.SHIPPED: 3,
        P.DELIVERED: 4,
        P.REJECTED: 4,
        P.CANCELLED: 4,
    },
)

LINE = StateMachine(
    transitions={
        L.PENDING: frozenset({L.ACCEPTED, L.SHIPPED, L.DELIVERED, L.REJECTED, L.CANCELLED}),
        # A partner may still reject an accepted item it finds it cannot supply after all.
        L.ACCEPTED: frozenset({L.SHIPPED, L.DELIVERED, L.REJECTED, L.CANCELLED}),
        L.SHIPPED: frozenset({L.DELIVERED}),
        L.DELIVERED: frozenset(),
        L.REJECTED: frozenset(),
        L.CANCELLED: frozenset(),
    },
    rank={
        L.PENDING: 0,
        L.ACCEPTED: 1,
        L.SHIPPED: 2,
        L.DELIVERED: 3,
        L.REJECTED: 3,
        L.CANCELLED: 3,
    },
)


def line_standing(partner_order_status: str, line_status: str | None) -> str:
    """Where one line stands, in partner-order words. A line's own word counts once it is
    final or has shipped; before that the line is wherever its partner order is (a partner
    order shipped or cancelled as a whole takes its open lines with it). A partner order
    without lines stands for itself (`line_status` None)."""
    if line_status in (L.REJECTED, L.CANCELLED, L.DELIVERED):
        return line_status
    if line_status == L.SHIPPED:
        return P.DELIVERED if partner_order_status == P.DELIVERED else P.SHIPPED
    return partner_order_status


def order_status_derive(standings: Iterable[str]) -> OrderStatus:
    """The order's status from where each of its lines stands (`line_standing`).
    The first rule that matches wins; "live" lines are those neither rejected nor cancelled.

    | rule                                                 | order status       |
    |------------------------------------------------------|--------------------|
    | no lines yet                                         | pending            |
    | any line needs review                                | needs_review       |
    | any line failed                                      | failed             |
    | no live line, some rejected                          | rejected           |
    | no live line (all cancelled)                         | cancelled          |
    | every live line pending (nothing sent yet)           | pending            |
    | some live line pending or submitted                  | submitted          |
    | every live line delivered                            | delivered          |
    | every live line shipped or delivered                 | shipped            |
    | some live line shipped or delivered                  | partially_shipped  |
    | every live line accepted, some line rejected         | partially_rejected |
    | every live line accepted                             | accepted           |
    """
    standing = set(standings)
    live = standing - {P.REJECTED, P.CANCELLED}
    if not standing:
        return OrderStatus.PENDING
    if P.NEEDS_REVIEW in standing:
        return OrderStatus.NEEDS_REVIEW
    if P.FAILED in standing:
        return OrderStatus.FAILED
    if not live:
        return OrderStatus.REJECTED if P.REJECTED in standing else OrderStatus.CANCELLED
    if live == {P.PENDING}:
        return OrderStatus.PENDING
    if live & {P.PENDING, P.SUBMITTED}:
        return OrderStatus.SUBMITTED
    if live == {P.DELIVERED}:
        return OrderStatus.DELIVERED
    if live <= {P.SHIPPED, P.DELIVERED}:
        return OrderStatus.SHIPPED
    if live & {P.SHIPPED, P.DELIVERED}:
        return OrderStatus.PARTIALLY_SHIPPED
    if P.REJECTED in standing:
        return OrderStatus.PARTIALLY_REJECTED
    return OrderStatus.ACCEPTED
