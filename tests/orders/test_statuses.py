"""The state machine's tables, checked against copies written out here: a change to a table
must be made twice, on purpose."""

from itertools import product

import pytest

from orders.statuses import (
    LINE,
    PARTNER_ORDER,
    LineStatus,
    OrderStatus,
    PartnerOrderStatus,
    line_standing,
    order_status_derive,
)

P = PartnerOrderStatus
L = LineStatus

PARTNER_ORDER_MOVES = {
    "pending": {"submitted", "failed", "cancelled"},
    "submitted": {
        "accepted",
        "shipped",
        "delivered",
        "rejected",
        "cancelled",
        "failed",
        "needs_review",
    },
    "needs_review": {"submitted", "accepted", "shipped", "delivered", "rejected", "cancelled"},
    "failed": {"pending", "cancelled"},
    "accepted": {"shipped", "delivered", "cancelled"},
    "shipped": {"delivered"},
    "delivered": set(),
    "rejected": set(),
    "cancelled": set(),
}

LINE_MOVES = {
    "pending": {"accepted", "shipped", "delivered", "rejected", "cancelled"},
    "accepted": {"shipped", "delivered", "rejected", "cancelled"},
    "shipped": {"delivered"},
    "delivered": set(),
    "rejected": set(),
    "cancelled": set(),
}


def every_move(moves: dict[str, set[str]]) -> list[tuple[str, str, bool]]:
    return [(current, to, to in moves[current]) for current, to in product(moves, repeat=2)]


def test_the_tables_name_every_status_once():
    assert set(PARTNER_ORDER.transitions) == set(PARTNER_ORDER.rank) == set(P.values)
    assert set(LINE.transitions) == set(LINE.rank) == set(L.values)
    assert set(PARTNER_ORDER_MOVES) == set(P.values)
    assert set(LINE_MOVES) == set(L.values)


@pytest.mark.parametrize(("current", "to", "legal"), every_move(PARTNER_ORDER_MOVES))
def test_partner_order_moves(current, to, legal):
    assert PARTNER_ORDER.allows(current, to) is legal


@pytest.mark.parametrize(("current", "to", "legal"), every_move(LINE_MOVES))
def test_line_moves(current, to, legal):
    assert LINE.allows(current, to) is legal


@pytest.mark.parametrize(
    ("machine", "current", "reported", "stale"),
    [
        (PARTNER_ORDER, P.SHIPPED, P.ACCEPTED, True),  # 'accepted' arriving after 'shipped'
        (PARTNER_ORDER, P.ACCEPTED, P.ACCEPTED, True),  # the same update twice
        (PARTNER_ORDER, P.DELIVERED, P.SHIPPED, True),
        (PARTNER_ORDER, P.CANCELLED, P.ACCEPTED, True),
        (PARTNER_ORDER, P.NEEDS_REVIEW, P.SUBMITTED, True),
        (PARTNER_ORDER, P.SUBMITTED, P.ACCEPTED, False),
        (PARTNER_ORDER, P.SUBMITTED, P.SHIPPED, False),
        (PARTNER_ORDER, P.NEEDS_REVIEW, P.ACCEPTED, False),
        (PARTNER_ORDER, P.ACCEPTED, P.SHIPPED, False),
        (PARTNER_ORDER, P.SHIPPED, P.DELIVERED, False),
        (PARTNER_ORDER, P.ACCEPTED, P.CANCELLED, False),
        (LINE, L.SHIPPED, L.ACCEPTED, True),
        (LINE, L.SHIPPED, L.SHIPPED, True),
        (LINE, L.REJECTED, L.ACCEPTED, True),
        (LINE, L.DELIVERED, L.SHIPPED, True),
        (LINE, L.PENDING, L.ACCEPTED, False),
        (LINE, L.ACCEPTED, L.SHIPPED, False),
        (LINE, L.SHIPPED, L.DELIVERED, False),
    ],
)
def test_a_report_no_further_along_is_stale(machine, current, reported, stale):
    assert machine.is_stale(current, reported) is stale


def test_every_legal_move_to_a_status_partners_report_moves_forward():
    """Status sync ignores stale reports before checking the table, so a legal move to what a
    partner reports must never look stale (only our own moves — retry, re-send, claim, fail,
    review — are outside the ranking)."""
    reported = {P.ACCEPTED, P.SHIPPED, P.DELIVERED, P.REJECTED, P.CANCELLED}
    legal = [
        (current, to)
        for current, moves in PARTNER_ORDER.transitions.items()
        for to in moves & reported
    ]
    assert len(legal) == 16
    assert [move for move in legal if PARTNER_ORDER.is_stale(*move)] == []


@pytest.mark.parametrize(
    ("partner_order", "line", "standing"),
    [
        (P.SUBMITTED, None, P.SUBMITTED),  # a partner order without lines stands for itself
        (P.SUBMITTED, L.PENDING, P.SUBMITTED),
        (P.ACCEPTED, L.PENDING, P.ACCEPTED),
        (P.ACCEPTED, L.ACCEPTED, P.ACCEPTED),
        (P.ACCEPTED, L.REJECTED, P.REJECTED),
        (P.ACCEPTED, L.SHIPPED, P.SHIPPED),
        (P.SHIPPED, L.ACCEPTED, P.SHIPPED),  # shipped as a whole
        (P.DELIVERED, L.SHIPPED, P.DELIVERED),
        (P.SHIPPED, L.DELIVERED, P.DELIVERED),
        (P.CANCELLED, L.ACCEPTED, P.CANCELLED),  # cancelled as a whole
        (P.CANCELLED, L.SHIPPED, P.SHIPPED),  # what shipped before stays shipped
        (P.REJECTED, L.PENDING, P.REJECTED),
        (P.NEEDS_REVIEW, L.PENDING, P.NEEDS_REVIEW),
        (P.FAILED, L.PENDING, P.FAILED),
    ],
)
def test_where_a_line_stands(partner_order, line, standing):
    assert line_standing(partner_order, line) == standing


@pytest.mark.parametrize(
    ("standings", "status"),
    [
        ([], OrderStatus.PENDING),
        ([P.PENDING, P.PENDING], OrderStatus.PENDING),
        ([P.PENDING, P.SUBMITTED], OrderStatus.SUBMITTED),
        ([P.ACCEPTED, P.PENDING], OrderStatus.SUBMITTED),
        ([P.ACCEPTED, P.NEEDS_REVIEW], OrderStatus.NEEDS_REVIEW),
        ([P.SHIPPED, P.NEEDS_REVIEW, P.FAILED], OrderStatus.NEEDS_REVIEW),
        ([P.DELIVERED, P.FAILED], OrderStatus.FAILED),
        ([P.ACCEPTED, P.ACCEPTED], OrderStatus.ACCEPTED),
        ([P.ACCEPTED, P.CANCELLED], OrderStatus.ACCEPTED),
        ([P.ACCEPTED, P.REJECTED], OrderStatus.PARTIALLY_REJECTED),
        ([P.ACCEPTED, P.REJECTED, P.CANCELLED], OrderStatus.PARTIALLY_REJECTED),
        ([P.SHIPPED, P.ACCEPTED], OrderStatus.PARTIALLY_SHIPPED),
        ([P.DELIVERED, P.ACCEPTED, P.REJECTED], OrderStatus.PARTIALLY_SHIPPED),
        ([P.SHIPPED, P.DELIVERED], OrderStatus.SHIPPED),
        ([P.SHIPPED, P.REJECTED], OrderStatus.SHIPPED),
        ([P.DELIVERED, P.DELIVERED], OrderStatus.DELIVERED),
        ([P.DELIVERED, P.CANCELLED], OrderStatus.DELIVERED),
        ([P.REJECTED, P.REJECTED], OrderStatus.REJECTED),
        ([P.REJECTED, P.CANCELLED], OrderStatus.REJECTED),
        ([P.CANCELLED], OrderStatus.CANCELLED),
    ],
)
def test_the_order_status_derived_from_where_its_lines_stand(standings, status):
    assert order_status_derive(standings) == status
