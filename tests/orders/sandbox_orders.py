"""Partner orders really held by a sandbox partner: placed over HTTP through the partner's live
adapter, then recorded as our PartnerOrder (accepted, with the partner's reference), as the
order pipeline leaves them."""

from django.test import Client
from django.urls import reverse

from orders.models import OrderEvent, PartnerOrder
from orders.statuses import LineStatus, PartnerOrderStatus
from partners.adapters.registry import live_adapter_for
from partners.mapping import Address, Contact, OrderLine, OrderRequest
from partners.models import Partner
from partners.sandbox.partner_server import PartnerSandbox
from tests.orders.factories import OrderLineFactory, PartnerOrderFactory
from tests.partners.sandbox.client import Delivery
from tests.partners.sandbox.picks import in_stock

SHIP_TO = Address(
    name="Ada Lovelace", line1="2 Park Lane", city="London", postal_code="W1K 1AA", country="GB"
)


def sandbox_order_placed(
    partner: Partner, sandbox_partner: PartnerSandbox, *, skip: int = 0
) -> PartnerOrder:
    """An accepted partner order of one accepted line, held by `sandbox_partner`."""
    offer, item = in_stock(sandbox_partner, skip=skip)
    partner_order = PartnerOrderFactory(partner=partner, status=PartnerOrderStatus.ACCEPTED)
    OrderLineFactory(partner_order=partner_order, partner_sku=item.sku, status=LineStatus.ACCEPTED)
    request = OrderRequest(
        reference=partner_order.reference,
        idempotency_key=str(partner_order.idempotency_key),
        lines=(
            OrderLine(
                partner_sku=item.sku,
                gtin=item.variant.gtin,
                quantity=1,
                unit_cost=offer.cost,
                currency="GBP",
            ),
        ),
        ship_to=SHIP_TO,
        customer=Contact(name="Ada Lovelace", email="ada@example.com"),
    )
    confirmation = live_adapter_for(partner).place_order(request)
    partner_order.partner_reference = confirmation.partner_order_id
    partner_order.save(update_fields=["partner_reference"])
    return partner_order


def events_of(partner_order: PartnerOrder) -> list[tuple[str, dict]]:
    return [
        (event.type, event.data)
        for event in OrderEvent.objects.filter(order_id=partner_order.order_id)
    ]


def webhook_post(slug: str, body: bytes, headers: dict[str, str], content_type: str):
    """POST to our webhook through Django's whole request stack, CSRF checks on (a partner
    has no CSRF token: the view must not need one)."""
    return Client(enforce_csrf_checks=True).post(
        reverse("partner-webhook", args=[slug]),
        data=body,
        content_type=content_type,
        headers=headers,
    )


def delivery_forward(slug: str, delivery: Delivery):
    """Send what the sandbox pushed, byte for byte with its signature headers, to our webhook."""
    headers = {
        name: value
        for name, value in delivery.headers.items()
        if name.lower().startswith("x-sandbox-")
    }
    return webhook_post(slug, delivery.body, headers, delivery.headers["Content-Type"])
