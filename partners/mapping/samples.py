"""A sample order for checking place_order mappings where no real one is at hand."""

from collections.abc import Sequence
from decimal import Decimal

from partners.mapping.canonical import Address, Contact, OrderLine, OrderRequest

SAMPLE_LINES = (
    OrderLine(
        partner_sku="SAMPLE-SKU-1",
        gtin="5012345678900",
        quantity=1,
        unit_cost=Decimal("12.50"),
        currency="GBP",
    ),
    OrderLine(
        partner_sku="SAMPLE-SKU-2",
        gtin="4006381333931",
        quantity=2,
        unit_cost=Decimal("7.25"),
        currency="GBP",
    ),
)


def order_request_sample(lines: Sequence[OrderLine] = SAMPLE_LINES) -> OrderRequest:
    """A test order to a test address with `lines` (by default two made-up lines)."""
    return OrderRequest(
        reference="EA-SAMPLE-000001",
        idempotency_key="ea-sample-000001",
        lines=tuple(lines),
        ship_to=Address(
            name="Sam Sample", line1="1 Test Street", city="London", postal_code="EC1A 1BB",
            country="GB",
        ),
        customer=Contact(name="Sam Sample", email="sam.sample@example.com"),
    )  # fmt: skip
