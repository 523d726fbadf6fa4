"""Orders as taken at checkout, the partner orders they are placed as, and their history.

An order keeps copies (snapshots) of what it depends on — partner name, SKU, attributes,
prices, costs, exchange rate, the partner's configuration version — so it stays readable and
explainable after a partner, product or mapping changes. Statuses move only through
`orders.services`, under row locks, each move an `OrderEvent` (see `orders.statuses`).
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_countries.fields import CountryField

from catalog.models import MONEY_DIGITS, MONEY_PLACES, PRODUCT_NAME_MAX_LENGTH
from orders.statuses import LineStatus, OrderStatus, PartnerOrderStatus
from partners.models import Partner
from stores.models import Store

ORDER_NUMBER_MAX_LENGTH = 32
RATE_DIGITS = 18
RATE_PLACES = 8


def money_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, **kwargs)


def not_negative(*fields: str, model: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(condition=Q(**{f"{field}__gte": 0}), name=f"{model}_{field}_gte_0")
        for field in fields
    ]


class OrderNumberCounter(models.Model):
    """The last order number given at a store. Taking the next one updates this row, whose
    lock then makes concurrent checkouts at the store take turns (`order_number_next`)."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.store_id}: {self.last_number}"


class Order(models.Model):
    class DeliveryMethod(models.TextChoices):
        SHIP_TO_CUSTOMER = "ship_to_customer", "Ship to the customer"
        PICKUP_AT_STORE = "pickup_at_store", "Ship to the store for pickup"

    class PaymentMethod(models.TextChoices):
        TILL = "till", "At the store's till"
        CARD = "card", "By card"

    number = models.CharField(
        max_length=ORDER_NUMBER_MAX_LENGTH, unique=True, help_text="e.g. LDN-01-00042."
    )
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="orders")
    associate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders_taken",
    )
    # Pressing Pay twice, a retried POST or two tabs carry the same token: one order.
    checkout_token = models.UUIDField()
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING, editable=False
    )
    customer_name = models.CharField(max_length=120)
    customer_email = models.EmailField(blank=True)
    customer_phone = models.CharField(max_length=32, blank=True, help_text="E.164, e.g. +44…")
    consent_to_email = models.BooleanField(default=False)
    note = models.TextField(max_length=1000, blank=True)
    delivery_method = models.CharField(max_length=20, choices=DeliveryMethod.choices)
    # Where the parcel goes: the customer's address, or the store's for pickup.
    address_line1 = models.CharField("address line 1", max_length=200)
    address_line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = CountryField()
    currency = models.CharField(max_length=3)
    prices_include_tax = models.BooleanField(
        help_text="The store's setting at checkout: line prices and shipping include the tax."
    )
    subtotal = money_field()
    shipping_total = money_field()
    tax_total = money_field()
    total = money_field()
    payment_method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    payment_reference = models.CharField(
        max_length=120, blank=True, help_text="The till receipt, or the payment gateway's."
    )
    till_amount = money_field(
        null=True, blank=True, help_text="What the till took (till payments): the order's total."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["checkout_token"], name="one_order_per_checkout"),
            *not_negative("subtotal", "shipping_total", "tax_total", "total", model="order"),
        ]
        indexes = [
            models.Index(fields=["store", "-created_at"], name="order_store_created_idx"),
            models.Index(fields=["store", "status"], name="order_store_status_idx"),
            models.Index(fields=["customer_email"], name="order_customer_email_idx"),
            models.Index(fields=["customer_phone"], name="order_customer_phone_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class PartnerOrder(models.Model):
    """The part of an order placed with one partner: one per partner in the cart, or one per
    line for a partner that takes one item per order."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="partner_orders")
    # PROTECT: an open order still needs its partner's settings to be placed and followed.
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="+")
    partner_name = models.CharField(max_length=120)
    partner_slug = models.SlugField(max_length=60)
    one_item_per_order = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20,
        choices=PartnerOrderStatus.choices,
        default=PartnerOrderStatus.PENDING,
        editable=False,
    )
    reference = models.CharField(
        max_length=ORDER_NUMBER_MAX_LENGTH + 6,
        unique=True,
        help_text="Our reference sent to the partner, e.g. LDN-01-00042-2.",
    )
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    partner_reference = models.CharField(max_length=120, blank=True)
    shipping_amount = money_field(default=Decimal(0))
    attempts = models.PositiveIntegerField(default=0)
    # A worker sending it holds it until then; after, a redelivered message may take it over
    # (the worker died mid-call). Below the SQS visibility timeout, like the task time limit.
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    config_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The partner's configuration version it was sent with."
    )
    # When its status was last asked of a partner that is polled (orders.status_polling).
    status_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "pk"]
        constraints = not_negative("shipping_amount", model="partner_order")
        indexes = [
            models.Index(fields=["status", "partner"], name="partner_order_status_idx"),
            # Status sync finds a partner's order by the reference the partner gave it.
            models.Index(
                fields=["partner", "partner_reference"], name="partner_order_their_ref_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.partner_name})"


class OrderLine(models.Model):
    partner_order = models.ForeignKey(PartnerOrder, on_delete=models.CASCADE, related_name="lines")
    product_name = models.CharField(max_length=PRODUCT_NAME_MAX_LENGTH)
    partner_sku = models.CharField("partner SKU", max_length=64, blank=True)
    gtin = models.CharField("GTIN-14", max_length=14, blank=True)
    attributes = models.JSONField(default=dict, blank=True, help_text="Size, colour… as sold.")
    quantity = models.PositiveIntegerField()
    unit_price = money_field(help_text="Our selling price, in the order's currency.")
    unit_cost = money_field(help_text="What the partner charges us, in `cost_currency`.")
    cost_currency = models.CharField(max_length=3)
    exchange_rate = models.DecimalField(
        max_digits=RATE_DIGITS,
        decimal_places=RATE_PLACES,
        default=Decimal(1),
        help_text="Order currency per unit of cost currency at checkout (1 when the same).",
    )
    status = models.CharField(
        max_length=20, choices=LineStatus.choices, default=LineStatus.PENDING, editable=False
    )
    status_reason = models.CharField(max_length=300, blank=True)
    carrier = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    tracking_url = models.URLField("tracking URL", max_length=500, blank=True)

    class Meta:
        ordering = ["partner_order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(exchange_rate__gt=0), name="order_line_exchange_rate_gt_0"
            ),
            *not_negative("unit_price", "unit_cost", model="order_line"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_name}"

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity


class AppendOnlyError(Exception):
    pass


class OrderEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Order events are never changed.")

    def delete(self):
        raise AppendOnlyError("Order events are never deleted.")


class OrderEvent(models.Model):
    """What happened to an order, appended in the transaction that made it happen. Consumers
    (notifications, the ERP export) read events after the last id they saw: ids only grow."""

    id = models.BigAutoField(primary_key=True)
    # PROTECT: an order with a history is never deleted.
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="events")
    partner_order = models.ForeignKey(
        PartnerOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    type = models.CharField(max_length=60)
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    actor = models.CharField(max_length=150, help_text="Who: a username, or system, partner:…")
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(default=timezone.now)

    objects = OrderEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["order", "id"], name="order_event_order_idx")]

    def __str__(self) -> str:
        return f"{self.type} #{self.id}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Order events are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Order events are never deleted.")


class OutboxMessage(models.Model):
    """A message to publish, written in the transaction that needs it sent. Marked published
    once the broker took it; the sweeper re-publishes those never published after a while."""

    partner_order = models.ForeignKey(
        PartnerOrder, on_delete=models.CASCADE, related_name="outbox_messages"
    )
    queue = models.CharField(max_length=80)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(published_at__isnull=True),
                name="outbox_unpublished_idx",
            )
        ]

    def __str__(self) -> str:
        state = "published" if self.published_at else "unpublished"
        return f"{self.queue} for {self.partner_order_id} ({state})"


class CardPayment(models.Model):
    """The card authorisation of one partner order, as the gateway last told us. Only the
    gateway's ids, the card's brand and last four digits and amounts: never a card number,
    expiry or CVC (the browser sends those to the gateway, docs/payments.md)."""

    class Status(models.TextChoices):
        AUTHORISED = "authorised", "Authorised"
        CAPTURED = "captured", "Captured"
        PARTIALLY_CAPTURED = "partially_captured", "Partially captured"
        VOIDED = "voided", "Voided"
        REFUNDED = "refunded", "Refunded"
        FAILED = "failed", "Failed"

    partner_order = models.OneToOneField(
        PartnerOrder, on_delete=models.CASCADE, related_name="card_payment"
    )
    authorisation_id = models.CharField(max_length=120, unique=True)
    brand = models.CharField(max_length=30)
    last4 = models.CharField("last four digits", max_length=4)
    currency = models.CharField(max_length=3)
    amount_authorised = money_field()
    amount_captured = money_field(default=Decimal(0))
    amount_refunded = money_field(default=Decimal(0))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.AUTHORISED)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="When the hold lapses; empty once nothing is held."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            *not_negative(
                "amount_authorised", "amount_captured", "amount_refunded", model="card_payment"
            ),
            models.CheckConstraint(
                condition=Q(amount_captured__lte=models.F("amount_authorised")),
                name="card_payment_captured_lte_authorised",
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded__lte=models.F("amount_captured")),
                name="card_payment_refunded_lte_captured",
            ),
        ]
        indexes = [
            models.Index(
                fields=["expires_at"],
                condition=Q(status="authorised"),
                name="card_payment_held_expiry_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.brand} •••• {self.last4}: {self.get_status_display()}"
