"""Does a place_order request mapping send every line of an order?

A mapping written from a one-line example easily reads `lines[0]` and drops every other line
without any error: the partner ships one item of a two-item order. This check evaluates the
request mapping on a sample order, then again with one line changed at a time, first its item
(partner_sku and gtin together: a partner ordering by either must see it) and then its quantity.
If the request the partner would receive (path, query, headers and body, after validation) stays
the same, that line does not reach the partner. Comparing requests instead of reading the
expression catches every way of dropping a line (`lines[0]`, `lines[-1]`, `$count`, a filter),
and accepts every way of sending them (a list, repeated XML elements, a joined text).

For a partner that takes one item per order, each line of the sample is checked as its own
one-line order, the way the order pipeline sends them.
"""

from dataclasses import replace

from partners.mapping.canonical import OrderLine, OrderRequest
from partners.mapping.engine import CompiledMapping, compile_mapping
from partners.mapping.errors import MappingError
from partners.mapping.gtin import gtin_check_digit
from partners.mapping.request_parts import RequestParts, validate_request

OPERATION = "place_order"


def order_mapping_line_problems(
    expression: str, sample: OrderRequest, *, one_item_per_order: bool
) -> list[str]:
    """What is wrong with `expression` (a place_order request mapping) on `sample`, an order of
    two lines or more; nothing when every line reaches the partner. Each problem is a sentence
    a merchandiser can act on. Raises ValueError for a sample of one line (it proves nothing)."""
    if len(sample.lines) < 2:
        raise ValueError("the sample order needs two lines or more")
    if not expression.strip():
        return ["is empty, so the partner would receive none of the order's lines"]
    try:
        mapping = compile_mapping(expression, operation=OPERATION, direction="request")
    except MappingError as error:
        return [str(error)]
    if one_item_per_order:
        orders = [replace(sample, lines=(line,)) for line in sample.lines]
    else:
        orders = [sample]
    problems = []
    for order in orders:
        problems.extend(_order_problems(mapping, order, one_item=one_item_per_order))
    return list(dict.fromkeys(problems))  # the same words for each one-item order once


def _order_problems(mapping: CompiledMapping, order: OrderRequest, *, one_item: bool) -> list[str]:
    shape = "a one-item order" if one_item else f"a {len(order.lines)}-line order"
    try:
        sent = _request(mapping, order)
    except MappingError as error:
        return [f"fails on {shape}: {error}"]
    problems = []
    for index, line in enumerate(order.lines):
        owner = "the" if one_item else f"line {index + 1}'s"
        for change, changed_line in (
            ("item", _other_item(line, index)),
            ("quantity", replace(line, quantity=line.quantity + 1)),
        ):
            changed = replace(
                order, lines=(*order.lines[:index], changed_line, *order.lines[index + 1 :])
            )
            what = f"{owner} {change}"
            try:
                same = _request(mapping, changed) == sent
            except MappingError as error:
                problems.append(f"fails on {shape} when {what} changes: {error}")
                continue
            if same:
                problems.append(_unchanged(what, change, line=index + 1, one_item=one_item))
    return problems


def _request(mapping: CompiledMapping, order: OrderRequest) -> RequestParts:
    return validate_request(OPERATION, mapping.evaluate(order.to_mapping_input()))


def _unchanged(what: str, change: str, *, line: int, one_item: bool) -> str:
    said = f"the request does not change when {what} changes"
    if change == "quantity":
        return f"{said}, so the partner would not know how many to send: map every line's quantity"
    if one_item:
        return f"{said}, so the partner would not know what to send: map partner_sku or gtin"
    return (
        f"{said}, so line {line} would not reach the partner (a mapping that reads lines[0] "
        'drops every other line). Map every line, e.g. "items": lines.{"sku": partner_sku, '
        '"qty": quantity}[], or, if the partner takes one item per order, say so on the partner'
    )


def _other_item(line: OrderLine, index: int) -> OrderLine:
    """The line with another item: a new SKU, and a GTIN whose every digit differs, so that
    any part of either a mapping might send changes."""
    gtin = None
    if line.gtin is not None:
        body = "".join(str((int(digit) + 1) % 10) for digit in line.gtin[:-1])
        gtin = f"{body}{gtin_check_digit(body)}"
    partner_sku = None if line.partner_sku is None else f"ZZ-CHECK-{index + 1}"
    return replace(line, partner_sku=partner_sku, gtin=gtin)
