"""Partners of every shape, over real HTTP to the sandbox: availability-only lookups, one item per
order, orders by GTIN, every line of an order reaching the partner, statuses in the partner's own
words."""

from dataclasses import replace
from decimal import Decimal

import pytest

from partners.adapters.declarative import PartnerMappingError
from partners.adapters.registry import adapter_for
from partners.connection_test import partner_connection_test
from partners.mapping import LOOKUP_KINDS, Availability, OrderLine, order_request_sample
from partners.models import Partner, PartnerCall
from partners.operations import Operation
from partners.validation import place_order_mapping_problems
from tests.factories import PartnerFactory
from tests.partners.sandbox.picks import UNKNOWN_GTIN, in_stock
from tests.partners.test_declarative_adapter import order_for

pytestmark = pytest.mark.django_db


def calls_of(partner: Partner) -> list[tuple]:
    return list(
        PartnerCall.objects.filter(partner=partner)
        .exclude(operation="oauth_token")
        .order_by("pk")
        .values_list("operation", "status_code", "outcome")
    )


def line_of(item, cost: Decimal) -> OrderLine:
    return OrderLine(
        partner_sku=item.sku, gtin=item.variant.gtin, quantity=1, unit_cost=cost, currency="GBP"
    )


def two_line_sample(sandbox_partner):
    """A sample order of two of the partner's own items, as the go-live gate will build it."""
    (offer, first), (other, second) = (in_stock(sandbox_partner, skip=n) for n in (0, 1))
    return order_request_sample((line_of(first, offer.cost), line_of(second, other.cost)))


# --- Availability only ---


def test_an_availability_partner_says_whether_it_can_supply_the_quantity_asked(onboarded, sandbox):
    baywater = onboarded["baywater"]
    _, item = in_stock(sandbox.baywater, minimum=3)
    adapter = adapter_for(baywater)

    enough = adapter.lookup(item.variant.gtin, quantity=item.stock)
    too_many = adapter.lookup(item.variant.gtin, quantity=item.stock + 1)
    as_gtin_14 = adapter.lookup("0" + item.variant.gtin)  # sent as its GTIN-13 form
    not_carried = adapter.lookup(UNKNOWN_GTIN)

    assert baywater.lookup_kind == Partner.LookupKind.AVAILABILITY
    assert (enough, too_many, as_gtin_14) == (
        Availability(available=True),
        Availability(available=False),
        Availability(available=True),
    )
    assert not_carried is None
    assert calls_of(baywater) == [
        ("lookup", 200, "ok"),
        ("lookup", 200, "ok"),
        ("lookup", 200, "ok"),
        ("lookup", 404, "not_found"),
    ]


def test_test_connection_of_an_availability_partner_says_what_it_answered(onboarded, sandbox):
    _, item = in_stock(sandbox.baywater)

    result = partner_connection_test(
        partner=onboarded["baywater"], operation="lookup", value=item.variant.gtin
    )

    assert result.ok
    assert result.summary == (
        f"Baywater Wholesale answered and the mapping fits: it can supply {item.variant.gtin}."
    )
    assert result.request_line == f"GET /v1/availability/{item.variant.gtin}?qty=1"
    assert '"available": true' in result.canonical


def test_an_availability_partner_answering_a_product_is_a_mapping_error(onboarded, sandbox):
    baywater = onboarded["baywater"]
    config = baywater.operations.get(operation=Operation.LOOKUP)
    config.response_mapping = '{"partner_product_id": body.ean, "available": true}'
    config.save()
    _, item = in_stock(sandbox.baywater)

    with pytest.raises(PartnerMappingError) as raised:
        adapter_for(baywater).lookup(item.variant.gtin)

    assert str(raised.value) == (
        "lookup mapping result is not a valid availability (1 problem):\n"
        "  - lookup: partner_product_id: is not a field we know (available, available_quantity, "
        f'delivery_days, delivery_date, partner_sku) (got "{item.variant.gtin}")'
    )
    assert calls_of(baywater) == [("lookup", 200, "mapping_error")]


def test_the_partner_lookup_kinds_are_the_mapping_layers():
    assert Partner.LookupKind.values == list(LOOKUP_KINDS)


# --- One item per order ---


def test_a_one_item_partner_is_never_sent_an_order_of_two_lines(onboarded, sandbox):
    baywater = onboarded["baywater"]
    order = two_line_sample(sandbox.baywater)

    with pytest.raises(ValueError) as raised:
        adapter_for(baywater).place_order(order)

    assert str(raised.value) == (
        "Baywater Wholesale takes one item per order: send each of the 2 lines as its own "
        "order, with its own reference and idempotency key"
    )
    assert PartnerCall.objects.count() == 0
    assert sandbox.baywater.counters().order_requests == 0


def test_each_line_sent_as_its_own_order_reaches_a_one_item_partner_by_gtin(onboarded, sandbox):
    adapter = adapter_for(onboarded["baywater"])
    order = two_line_sample(sandbox.baywater)

    confirmations = [
        adapter.place_order(
            replace(order, reference=f"EA-9-{n}", idempotency_key=f"k-{n}", lines=(line,))
        )
        for n, line in enumerate(order.lines, start=1)
    ]

    assert [c.partner_order_id for c in confirmations] == ["BWO0000001", "BWO0000002"]
    assert [(c.lines[0].gtin, c.lines[0].accepted) for c in confirmations] == [
        (line.gtin, True) for line in order.lines
    ]
    assert [
        sandbox.baywater.orders.get(c.partner_order_id).lines[0].sku for c in confirmations
    ] == [line.gtin for line in order.lines]


def test_every_line_of_a_two_line_order_reaches_a_multi_line_partner(onboarded, sandbox):
    order = two_line_sample(sandbox.threadline)

    confirmation = adapter_for(onboarded["threadline"]).place_order(order)

    assert [(line.partner_sku, line.accepted) for line in confirmation.lines] == [
        (line.partner_sku, True) for line in order.lines
    ]


# --- The check the go-live gate calls ---


@pytest.mark.parametrize("slug", ["threadline", "stridewell", "hearth", "baywater"])
def test_every_sandbox_place_order_mapping_sends_every_line(onboarded, sandbox, slug):
    partner = onboarded[slug]

    assert place_order_mapping_problems(partner) == []
    assert place_order_mapping_problems(partner, two_line_sample(sandbox.by_name(slug))) == []


def test_a_mapping_that_reads_lines_0_cannot_pass_for_a_partner_taking_several_lines(
    onboarded, sandbox
):
    partner = onboarded["threadline"]
    config = partner.operations.get(operation=Operation.PLACE_ORDER)
    config.request_mapping = (
        '{"body": {"lines": [{"sku": lines[0].partner_sku, "quantity": lines[0].quantity}]}}'
    )
    config.save()

    problems = place_order_mapping_problems(partner, two_line_sample(sandbox.threadline))
    partner.one_item_per_order = True
    as_one_item_partner = place_order_mapping_problems(partner)

    assert problems == [
        "Place order · request mapping: the request does not change when line 2's item changes, "
        "so line 2 would not reach the partner (a mapping that reads lines[0] drops every other "
        'line). Map every line, e.g. "items": lines.{"sku": partner_sku, "qty": quantity}[], '
        "or, if the partner takes one item per order, say so on the partner",
        "Place order · request mapping: the request does not change when line 2's quantity "
        "changes, so the partner would not know how many to send: map every line's quantity",
    ]
    assert as_one_item_partner == []
    assert PartnerCall.objects.count() == 0  # the check sends nothing


def test_the_check_without_a_place_order_mapping_or_for_a_code_adapter():
    unconfigured = PartnerFactory()
    coded = PartnerFactory(adapter="made-in-code")

    assert place_order_mapping_problems(unconfigured) == ["Place order: not configured"]
    assert place_order_mapping_problems(coded) == []


# --- Status vocabularies ---


def test_a_partner_status_missing_from_the_mapping_is_an_error_naming_it(onboarded, sandbox):
    partner = onboarded["stridewell"]
    config = partner.operations.get(operation=Operation.ORDER_STATUS)
    config.response_mapping = config.response_mapping.replace('"DISPATCHED": "shipped", ', "")
    config.save()
    _, item = in_stock(sandbox.stridewell)
    adapter = adapter_for(partner)
    placed = adapter.place_order(order_for(item.sku))
    sandbox.stridewell.order_advance(placed.partner_order_id)

    with pytest.raises(PartnerMappingError) as raised:
        adapter.order_status(placed.partner_order_id)

    message = (
        '"DISPATCHED" is not one of our statuses (accepted, shipped, delivered, cancelled, '
        "rejected): map the partner's word to one of them, e.g. with $lookup"
    )
    assert f"order_status: status: {message}" in str(raised.value)
    assert PartnerCall.objects.get(operation="order_status").error == f"status: {message}"


def test_every_sandbox_partner_is_onboarded_live_from_its_file(onboarded):
    assert {
        slug: (partner.status, partner.lookup_kind, partner.one_item_per_order)
        for slug, partner in onboarded.items()
    } == {
        "threadline": ("live", "product", False),
        "stridewell": ("live", "product", False),
        "hearth": ("live", "product", False),
        "baywater": ("live", "availability", True),
    }
