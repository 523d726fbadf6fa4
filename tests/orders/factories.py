import uuid
from decimal import Decimal

import factory

from orders.models import Order, OrderLine, PartnerOrder
from orders.services import order_number_next
from tests.factories import PartnerFactory, StoreFactory, UserFactory


class OrderFactory(factory.django.DjangoModelFactory):
    """An order as checkout writes it: numbered by the store's counter, paid at the till."""

    class Meta:
        model = Order

    store = factory.SubFactory(StoreFactory)
    number = factory.LazyAttribute(lambda order: order_number_next(store=order.store))
    associate = factory.SubFactory(UserFactory)
    checkout_token = factory.LazyFunction(uuid.uuid4)
    customer_name = "Ada Lovelace"
    customer_email = "ada@example.com"
    customer_phone = "+447700900123"
    delivery_method = Order.DeliveryMethod.SHIP_TO_CUSTOMER
    address_line1 = "2 Park Lane"
    city = "London"
    postal_code = "W1K 1AA"
    country = "GB"
    currency = factory.SelfAttribute("store.currency")
    prices_include_tax = True
    subtotal = Decimal("20.00")
    shipping_total = Decimal("0.00")
    tax_total = Decimal("3.33")
    total = Decimal("20.00")
    payment_method = Order.PaymentMethod.TILL
    payment_reference = "TILL-1001"


class PartnerOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerOrder

    order = factory.SubFactory(OrderFactory)
    partner = factory.SubFactory(PartnerFactory)
    partner_name = factory.SelfAttribute("partner.name")
    partner_slug = factory.SelfAttribute("partner.slug")
    one_item_per_order = factory.SelfAttribute("partner.one_item_per_order")
    reference = factory.LazyAttributeSequence(lambda po, n: f"{po.order.number}-{n}")


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    partner_order = factory.SubFactory(PartnerOrderFactory)
    product_name = factory.Sequence(lambda n: f"Item {n}")
    partner_sku = factory.Sequence(lambda n: f"SKU-{n}")
    gtin = factory.Sequence(lambda n: f"{n:014d}")
    attributes = factory.LazyFunction(lambda: {"size": "M", "colour": "Navy"})
    quantity = 1
    unit_price = Decimal("20.00")
    unit_cost = Decimal("8.00")
    cost_currency = "GBP"
