"""Checkout: the cart becomes one Order, its PartnerOrders, lines, payment rows, outbox rows and
events, in one transaction; after commit each partner order is published for placement.

Order of work (docs/order-pipeline.md):
1. An order already taken with this checkout token is returned as it is (Pay pressed twice).
2. The partners are asked again for every line and the server prices it (`cart_reprice`);
   anything that differs from what the associate confirmed raises PricesChanged. Nothing a
   browser sent is a price.
3. Card: one authorisation per partner order, before any transaction (outbound calls never
   run inside one), each under a key derived from the checkout token, so a retried POST gets
   the same authorisations back. A decline voids the ones already made.
4. One transaction writes everything; the checkout token's unique constraint makes a second
   concurrent checkout with the same token find the first order instead.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from catalog.cart_checks import CartChange, LineCheck, money_display
from catalog.cart_services import CartRepricing, cart_reprice
from catalog.models import Cart, CartLine
from catalog.selectors import pricing_context_for
from orders.checkout_forms import Delivery
from orders.events import EventType
from orders.models import CardPayment, Order, OrderLine, OutboxMessage, PartnerOrder
from orders.outbox import outbox_messages_for, outbox_publish
from orders.payment_services import authorisations_void
from orders.payments.gateway import Authorisation, PaymentError
from orders.payments.http_gateway import payment_gateway
from orders.services import order_event_append, order_number_next
from orders.totals import (
    CheckoutTotals,
    PartnerLines,
    PricedLine,
    ShippingTerms,
    TotalsRefused,
    checkout_totals,
)
from partners.models import Partner
from stores.models import Store

logger = logging.getLogger(__name__)


class CheckoutRefused(Exception):
    """Checkout stopped and wrote nothing; `message` is for the associate."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PricesChanged(CheckoutRefused):
    """The server's prices differ from those the associate confirmed: show `changes` and ask
    again with the new `totals`."""

    def __init__(self, changes: Sequence[CartChange], totals: CheckoutTotals | None) -> None:
        super().__init__("Prices or availability changed: check the cart and confirm again.")
        self.changes = tuple(changes)
        self.totals = totals


@dataclass(frozen=True)
class Customer:
    name: str
    email: str = ""
    phone: str = ""  # E.164
    consent_to_email: bool = False
    note: str = ""


@dataclass(frozen=True)
class TillPayment:
    receipt_reference: str
    amount: Decimal


@dataclass(frozen=True)
class CardTokens:
    """One single-use gateway token per partner order, in `CheckoutTotals.partner_orders`'
    order (the card form tokenises the card that many times)."""

    tokens: tuple[str, ...]


@dataclass(frozen=True)
class SeenPrices:
    """What the associate confirmed: each cart line's unit price by line id, and the total."""

    unit_prices: Mapping[int, Decimal]
    total: Decimal


@dataclass(frozen=True)
class _Part:
    """One partner order to be: its partner, cart lines, checks and totals."""

    partner: Partner
    lines: tuple[CartLine, ...]
    checks: tuple[LineCheck, ...]
    totals_index: int


def order_checkout(
    *,
    store: Store,
    associate: AbstractBaseUser,
    cart: Cart,
    customer: Customer,
    delivery: Delivery,
    payment: TillPayment | CardTokens,
    checkout_token: uuid.UUID,
    seen_prices: SeenPrices,
) -> Order:
    """Take the order of `cart` (see the module docstring). Raises PricesChanged or
    CheckoutRefused (payment declined, till amount wrong…), having written nothing."""
    existing = Order.objects.filter(checkout_token=checkout_token).first()
    if existing is not None:
        return existing
    if cart.store_id != store.pk or cart.status != Cart.Status.ACTIVE:
        raise CheckoutRefused("This cart is no longer open for checkout.")
    parts, totals = _repriced(cart=cart, store=store, seen_prices=seen_prices)
    if isinstance(payment, TillPayment):
        _till_checked(payment, totals)
        authorisations: list[Authorisation] = []
    else:
        authorisations = _authorised(payment, totals, parts, checkout_token, store)
    try:
        with transaction.atomic():
            order = _order_write(
                store=store,
                associate=associate,
                cart=cart,
                customer=customer,
                delivery=delivery,
                payment=payment,
                checkout_token=checkout_token,
                parts=parts,
                totals=totals,
                authorisations=authorisations,
            )
    except IntegrityError:
        # Another request with this token won the race: its order, with these very
        # authorisations (the same keys), is the one.
        existing = Order.objects.filter(checkout_token=checkout_token).first()
        if existing is None:
            authorisations_void(authorisations)
            raise
        return existing
    message_ids = list(outbox_messages_for(order).values_list("pk", flat=True))
    transaction.on_commit(lambda: _publish_logged(message_ids))
    return order


def _publish_logged(message_ids: list[int]) -> None:
    # The broker may be down: the rows stay unpublished for the sweeper; checkout succeeded.
    try:
        outbox_publish(message_ids=message_ids)
    except Exception:
        logger.exception("outbox publish after checkout failed; the sweeper will retry")


def _repriced(
    *, cart: Cart, store: Store, seen_prices: SeenPrices
) -> tuple[list[_Part], CheckoutTotals]:
    repricing = cart_reprice(cart=cart, refresh=True)
    lines = list(cart.lines.select_related("partner").order_by("pk"))
    if not lines:
        raise CheckoutRefused("The cart is empty.")
    changes = list(repricing.changes)
    for line in lines:
        check = repricing.checks.get(line.pk)
        if check is None:
            if not any(change.line_id == line.pk for change in changes):
                changes.append(_change(line, "Could not be checked again just now."))
        elif not check.orderable:
            if not any(change.line_id == line.pk for change in changes):
                changes.append(_change(line, check.reason))
        elif seen_prices.unit_prices.get(line.pk) != check.unit_price:
            changes.append(
                _change(
                    line, f"The price is now {money_display(check.unit_price, store.currency)}."
                )
            )
    if set(seen_prices.unit_prices) != {line.pk for line in lines}:
        changes.append(CartChange(0, "", "", "The cart's items changed."))
    if changes:
        raise PricesChanged(_unique(changes), None)
    try:
        by_partner, totals = repriced_totals(lines=lines, repricing=repricing, store=store)
    except TotalsRefused as refused:
        raise CheckoutRefused(f"The order cannot be totalled: {refused}.") from None
    if totals.total != seen_prices.total:
        raise PricesChanged(
            [
                CartChange(
                    0,
                    "",
                    "",
                    f"The total is now {money_display(totals.total, store.currency)}.",
                )
            ],
            totals,
        )
    parts = []
    for index, result in enumerate(totals.partner_orders):
        partner_lines = by_partner[result.partner_id]
        chosen = tuple(partner_lines[n] for n in result.line_numbers)
        parts.append(
            _Part(
                partner=partner_lines[0].partner,
                lines=chosen,
                checks=tuple(repricing.checks[line.pk] for line in chosen),
                totals_index=index,
            )
        )
    return parts, totals


def repriced_totals(
    *, lines: Sequence[CartLine], repricing: CartRepricing, store: Store
) -> tuple[dict[int, list[CartLine]], CheckoutTotals]:
    """The cart's lines by partner id, and the checkout's totals at the server's prices
    (`repricing` found every line orderable). Raises TotalsRefused."""
    by_partner, groups = partner_groups(
        lines,
        lambda line: PricedLine(
            unit_price=repricing.checks[line.pk].unit_price,
            quantity=line.quantity,
            category=repricing.checks[line.pk].category,
        ),
    )
    return by_partner, checkout_totals(parts=groups, pricing=pricing_context_for(store))


def partner_groups(
    lines: Sequence[CartLine], priced: Callable[[CartLine], PricedLine]
) -> tuple[dict[int, list[CartLine]], list[PartnerLines]]:
    """The cart's lines by partner id (in cart order), and each partner's lines as
    `checkout_totals` takes them, each line priced by `priced`."""
    by_partner: dict[int, list[CartLine]] = {}
    for line in lines:
        by_partner.setdefault(line.partner_id, []).append(line)
    groups = [
        PartnerLines(
            partner_id=partner_lines[0].partner_id,
            partner_name=partner_lines[0].partner.name,
            shipping=ShippingTerms.of(partner_lines[0].partner),
            lines=tuple(priced(line) for line in partner_lines),
            one_item_per_order=partner_lines[0].partner.one_item_per_order,
        )
        for partner_lines in by_partner.values()
    ]
    return by_partner, groups


def _change(line: CartLine, message: str) -> CartChange:
    return CartChange(line.pk, line.product_name, line.partner.name, message)


def _unique(changes: list[CartChange]) -> list[CartChange]:
    return list(dict.fromkeys(changes))


def _till_checked(payment: TillPayment, totals: CheckoutTotals) -> None:
    if not payment.receipt_reference.strip():
        raise CheckoutRefused("Type the till receipt's reference.")
    if payment.amount != totals.total:
        raise CheckoutRefused(
            f"The till took {money_display(payment.amount, totals.currency)} but the order's "
            f"total is {money_display(totals.total, totals.currency)}."
        )


def _authorised(
    payment: CardTokens,
    totals: CheckoutTotals,
    parts: list[_Part],
    checkout_token: uuid.UUID,
    store: Store,
) -> list[Authorisation]:
    """One approved authorisation per partner order, or CheckoutRefused with those made voided."""
    if len(payment.tokens) != len(parts):
        raise CheckoutRefused(
            f"The card form sent {len(payment.tokens)} card token(s) for {len(parts)} partner "
            "order(s): enter the card again."
        )
    gateway = payment_gateway()
    made: list[Authorisation] = []
    for number, (part, token) in enumerate(zip(parts, payment.tokens, strict=True), start=1):
        try:
            authorisation = gateway.authorise(
                token=token,
                amount=totals.partner_orders[part.totals_index].total,
                currency=totals.currency,
                reference=f"{store.code}-{checkout_token.hex[:12]}-{number}",
                idempotency_key=f"{checkout_token}-authorise-{number}",
            )
            made.append(authorisation)
            authorisation.require_approved()
        except PaymentError as error:
            authorisations_void(made)
            raise CheckoutRefused(f"The card payment did not go through: {error.message}") from None
    return made


def _order_write(
    *,
    store: Store,
    associate: AbstractBaseUser,
    cart: Cart,
    customer: Customer,
    delivery: Delivery,
    payment: TillPayment | CardTokens,
    checkout_token: uuid.UUID,
    parts: list[_Part],
    totals: CheckoutTotals,
    authorisations: list[Authorisation],
) -> Order:
    address = delivery.address
    till = payment if isinstance(payment, TillPayment) else None
    order = Order.objects.create(
        number=order_number_next(store=store),
        store=store,
        associate=associate,
        checkout_token=checkout_token,
        customer_name=customer.name,
        customer_email=customer.email,
        customer_phone=customer.phone,
        consent_to_email=customer.consent_to_email,
        note=customer.note,
        delivery_method=(
            Order.DeliveryMethod.PICKUP_AT_STORE
            if delivery.is_pickup
            else Order.DeliveryMethod.SHIP_TO_CUSTOMER
        ),
        address_line1=address.line1,
        address_line2=address.line2,
        city=address.city,
        region=address.region,
        postal_code=address.postal_code,
        country=address.country,
        currency=totals.currency,
        prices_include_tax=totals.prices_include_tax,
        subtotal=totals.lines_total,
        shipping_total=totals.shipping,
        tax_total=totals.tax,
        total=totals.total,
        payment_method=Order.PaymentMethod.TILL if till else Order.PaymentMethod.CARD,
        payment_reference=till.receipt_reference.strip() if till else "",
        till_amount=till.amount if till else None,
    )
    partner_orders = []
    for number, part in enumerate(parts, start=1):
        result = totals.partner_orders[part.totals_index]
        partner_order = PartnerOrder.objects.create(
            order=order,
            partner=part.partner,
            partner_name=part.partner.name,
            partner_slug=part.partner.slug,
            one_item_per_order=part.partner.one_item_per_order,
            reference=f"{order.number}-{number}",
            shipping_amount=result.shipping,
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                partner_order=partner_order,
                product_name=check.product_name or line.product_name,
                partner_sku=check.partner_sku,
                gtin=line.gtin14,
                attributes=dict(check.attributes),
                quantity=line.quantity,
                unit_price=check.unit_price,
                unit_cost=check.unit_cost if check.unit_cost is not None else Decimal(0),
                cost_currency=check.cost_currency or totals.currency,
                exchange_rate=check.exchange_rate or Decimal(1),
            )
            for line, check in zip(part.lines, part.checks, strict=True)
        )
        if authorisations:
            _card_payment_write(partner_order, authorisations[number - 1])
        OutboxMessage.objects.create(
            partner_order=partner_order,
            queue=settings.SQS_QUEUES.create_order,
            payload={"partner_order_id": partner_order.pk},
        )
        partner_orders.append((partner_order, result))
    order_event_append(
        order,
        EventType.ORDER_PLACED,
        associate,
        {
            "number": order.number,
            "store": store.code,
            "currency": order.currency,
            "total": order.total,
            "payment_method": order.payment_method,
            "delivery_method": order.delivery_method,
            "partner_orders": [
                {
                    "id": po.pk,
                    "reference": po.reference,
                    "partner": po.partner_slug,
                    "total": r.total,
                }
                for po, r in partner_orders
            ],
        },
    )
    cart.lines.all().delete()
    cart.delete()
    return order


def _card_payment_write(partner_order: PartnerOrder, authorisation: Authorisation) -> None:
    CardPayment.objects.create(
        partner_order=partner_order,
        authorisation_id=authorisation.authorisation_id,
        brand=authorisation.brand,
        last4=authorisation.last4,
        currency=authorisation.currency,
        amount_authorised=authorisation.amount,
        expires_at=authorisation.expires_at,
    )
    order_event_append(
        partner_order.order,
        EventType.PAYMENT_AUTHORISED,
        "system",
        {
            "amount": authorisation.amount,
            "currency": authorisation.currency,
            "brand": authorisation.brand,
            "last4": authorisation.last4,
        },
        partner_order=partner_order,
    )
