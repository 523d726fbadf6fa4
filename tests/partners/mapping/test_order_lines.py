"""The check that a place_order request mapping sends every line: it compares the requests the
partner would receive when one line's item or quantity changes."""

from dataclasses import replace

import pytest

from partners.mapping import order_mapping_line_problems, order_request_sample
from tests.partners.mapping.examples import XML_PLACE_ORDER_REQUEST_MAPPING

EVERY_LINE = '{"body": {"ref": reference, "items": lines.{"sku": partner_sku, "qty": quantity}[]}}'
FIRST_LINE_ONLY = (
    '{"body": {"ref": reference, "sku": lines[0].partner_sku, "qty": lines[0].quantity}}'
)
DROPPED_LINE = (
    "the request does not change when line {n}'s item changes, so line {n} would not reach the "
    "partner (a mapping that reads lines[0] drops every other line). Map every line, e.g. "
    '"items": lines.{{"sku": partner_sku, "qty": quantity}}[], or, if the partner takes one item '
    "per order, say so on the partner"
)
DROPPED_QUANTITY = (
    "the request does not change when line {n}'s quantity changes, so the partner would not "
    "know how many to send: map every line's quantity"
)


def problems(expression: str, *, one_item_per_order: bool = False) -> list[str]:
    return order_mapping_line_problems(
        expression, order_request_sample(), one_item_per_order=one_item_per_order
    )


@pytest.mark.parametrize(
    "expression",
    [
        EVERY_LINE,
        # By GTIN only: a partner that orders by barcode needs no SKU.
        '{"body": {"lines": lines.{"ean": gtin, "qty": quantity}[]}}',
        # Repeated XML elements.
        XML_PLACE_ORDER_REQUEST_MAPPING,
        # Everything in the query string, as joined texts.
        '{"query": {"skus": $join(lines.partner_sku, ","), '
        '"qtys": $join(lines.$string(quantity), ",")}}',
    ],
)
def test_a_mapping_that_sends_every_line_passes(expression):
    assert problems(expression) == []


def test_a_mapping_that_reads_lines_0_is_refused_for_line_2():
    assert problems(FIRST_LINE_ONLY) == [
        DROPPED_LINE.format(n=2),
        DROPPED_QUANTITY.format(n=2),
    ]


def test_a_mapping_that_reads_the_last_line_is_refused_for_line_1():
    expression = '{"body": {"sku": lines[-1].partner_sku, "qty": lines[-1].quantity}}'

    assert problems(expression) == [DROPPED_LINE.format(n=1), DROPPED_QUANTITY.format(n=1)]


def test_counting_the_lines_does_not_hide_a_dropped_one():
    expression = (
        '{"body": {"count": $count(lines), "total": $sum(lines.quantity), '
        '"sku": lines[0].partner_sku}}'
    )

    assert problems(expression) == [DROPPED_LINE.format(n=2)]


def test_a_mapping_that_sends_no_quantity_is_refused_for_every_line():
    expression = '{"body": {"skus": lines.partner_sku[]}}'

    assert problems(expression) == [DROPPED_QUANTITY.format(n=1), DROPPED_QUANTITY.format(n=2)]


def test_a_mapping_that_fails_on_two_lines_says_so():
    expression = '{"body": {"sku": $substring(lines.partner_sku, 0, 3)}}'

    (problem,) = problems(expression)

    assert problem.startswith("fails on a 2-line order: place_order request mapping failed")


def test_an_empty_or_unreadable_mapping_is_a_problem():
    assert problems("  ") == ["is empty, so the partner would receive none of the order's lines"]
    (unreadable,) = problems('{"body": ')
    assert unreadable.startswith("place_order request mapping: syntax error")


def test_a_one_item_partner_may_read_lines_0_each_line_being_its_own_order():
    assert problems(FIRST_LINE_ONLY, one_item_per_order=True) == []
    assert (
        problems(
            '{"body": {"item": lines.{"ean": gtin, "qty": quantity}}}', one_item_per_order=True
        )
        == []
    )


def test_a_one_item_partner_must_still_receive_the_item_and_its_quantity():
    assert problems('{"body": {"ref": reference}}', one_item_per_order=True) == [
        "the request does not change when the item changes, so the partner would not know what "
        "to send: map partner_sku or gtin",
        "the request does not change when the quantity changes, so the partner would not know "
        "how many to send: map every line's quantity",
    ]


def test_a_partner_ordering_by_gtin_needs_the_sample_lines_to_carry_one():
    """A sample line without a GTIN cannot reach a partner that orders by GTIN: reported."""
    sample = order_request_sample()
    without_gtins = replace(sample, lines=tuple(replace(line, gtin=None) for line in sample.lines))

    found = order_mapping_line_problems(
        '{"body": {"lines": lines.{"ean": gtin, "qty": quantity}[]}}',
        without_gtins,
        one_item_per_order=False,
    )

    assert found == [DROPPED_LINE.format(n=1), DROPPED_LINE.format(n=2)]


def test_a_one_line_sample_proves_nothing():
    sample = order_request_sample()

    with pytest.raises(ValueError, match="two lines or more"):
        order_mapping_line_problems(
            EVERY_LINE, replace(sample, lines=sample.lines[:1]), one_item_per_order=False
        )
