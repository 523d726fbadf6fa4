"""Reads of a store's orders for the order pages, each in a fixed number of queries whatever
the number of partner orders, lines or events. Every read takes the store: an order of
another store is never found, so pages cannot tell it exists."""

from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from orders.events import REJECTION_HANDLED_BY, EventType
from orders.models import CardPayment, Order, OrderEvent, OrderLine, PartnerOrder
from orders.phones import phone_e164
from orders.statuses import LineStatus, PartnerOrderStatus
from stores.models import Store

# Partner orders a manager must act on: the pipeline gave up, or the outcome is unknown.
ATTENTION_STATUSES = (PartnerOrderStatus.FAILED, PartnerOrderStatus.NEEDS_REVIEW)
# Still to be placed or fulfilled: a dead letter or a lapsing card hold matters only then.
OPEN_STATUSES = (
    PartnerOrderStatus.PENDING,
    PartnerOrderStatus.SUBMITTED,
    PartnerOrderStatus.ACCEPTED,
)
AUTHORISATION_EXPIRY_WARNING = timedelta(days=1)
CAPTURED = (CardPayment.Status.CAPTURED, CardPayment.Status.PARTIALLY_CAPTURED)
# A card authorisation is held while these last; after, it is captured or released.
UNSETTLED_STATUSES = (
    PartnerOrderStatus.PENDING,
    PartnerOrderStatus.SUBMITTED,
    PartnerOrderStatus.NEEDS_REVIEW,
)
LOOKUP_MAX_RESULTS = 50


@dataclass(frozen=True)
class OrderFilters:
    status: str = ""
    partner_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def orders_of_store(*, store: Store, filters: OrderFilters | None = None) -> QuerySet[Order]:
    """The store's orders, newest first, filtered; each with its partner orders' names
    (one query for the orders and one for their partner orders). Dates are days at the
    store, from its time zone."""
    filters = filters or OrderFilters()
    orders = Order.objects.filter(store=store)
    if filters.status:
        orders = orders.filter(status=filters.status)
    if filters.partner_id is not None:
        orders = orders.filter(partner_orders__partner_id=filters.partner_id).distinct()
    if filters.date_from is not None:
        orders = orders.filter(created_at__gte=_day_start(filters.date_from, store))
    if filters.date_to is not None:
        orders = orders.filter(
            created_at__lt=_day_start(filters.date_to + timedelta(days=1), store)
        )
    return orders.order_by("-created_at", "-pk").prefetch_related(
        Prefetch(
            "partner_orders",
            queryset=PartnerOrder.objects.only("order_id", "partner_name", "status"),
        )
    )


def order_partners_of_store(*, store: Store) -> list[tuple[int, str]]:
    """(partner id, name) of every partner the store has ordered from, for the list's filter;
    the name as on the latest order, so a renamed partner appears once (one query)."""
    rows = (
        PartnerOrder.objects.filter(order__store=store)
        .order_by("partner_id", "-pk")
        .values_list("partner_id", "partner_name")
    )
    names: dict[int, str] = {}
    for partner_id, name in rows:
        names.setdefault(partner_id, name)
    return sorted(names.items(), key=lambda item: item[1].casefold())


def orders_lookup(*, store: Store, query: str) -> QuerySet[Order]:
    """The store's orders whose number, customer e-mail or customer phone is `query`: a
    number or address in any letter case, a phone however typed (read as the store's country
    writes it unless it has a +country code)."""
    query = query.strip()
    if not query:
        return Order.objects.none()
    match = Q(number__iexact=query) | Q(customer_email__iexact=query)
    # Not a phone number: the other keys may still match.
    with suppress(ValidationError):
        match |= Q(customer_phone=phone_e164(query, region=store.country.code))
    return orders_of_store(store=store).filter(match)[:LOOKUP_MAX_RESULTS]


def order_of_store(*, store: Store, number: str, with_events: bool = True) -> Order | None:
    """One order with everything its page shows, or None when the store has no such order:
    the order (with its associate), its partner orders with their card payments, lines and
    attention facts (`with_attention_facts`), and unless `with_events` is False its events with
    their partner orders (four queries, or three)."""
    lines = OrderLine.objects.order_by("pk")
    related = [
        Prefetch(
            "partner_orders",
            queryset=with_attention_facts(PartnerOrder.objects.select_related("card_payment"))
            .order_by("pk")
            .prefetch_related(Prefetch("lines", queryset=lines)),
        )
    ]
    if with_events:
        events = OrderEvent.objects.select_related("partner_order").order_by("id")
        related.append(Prefetch("events", queryset=events))
    return (
        Order.objects.filter(store=store, number__iexact=number)
        .select_related("associate", "store")
        .prefetch_related(*related)
        .first()
    )


def partner_orders_needing_attention(
    *, store: Store, now: datetime | None = None
) -> QuerySet[PartnerOrder]:
    """The store's partner orders a manager must act on, oldest first (waiting longest), each
    with its order, card payment and lines (two queries). Annotated as `with_attention_facts`
    says; listed when failed or needing review; dead-lettered since the last re-drive; a till
    refund due since the last one recorded; lines the partner rejected since a manager last
    told the customer (or refunded them at the till); a card authorisation still held for an
    open partner order that lapses within AUTHORISATION_EXPIRY_WARNING; a card authorisation
    still held although the partner order has an outcome (capturing or releasing it failed); a
    captured card payment of a cancelled partner order not refunded yet."""
    now = now or timezone.now()
    return (
        with_attention_facts(PartnerOrder.objects.filter(order__store=store))
        .filter(
            Q(status__in=ATTENTION_STATUSES)
            | Q(status__in=OPEN_STATUSES, last_dead_letter__gt=F("last_redrive"))
            | Q(last_refund_due__gt=F("last_refund"))
            | Q(last_rejection__gt=F("last_rejection_handled"))
            | Q(
                status__in=OPEN_STATUSES,
                card_payment__status=CardPayment.Status.AUTHORISED,
                card_payment__expires_at__lt=now + AUTHORISATION_EXPIRY_WARNING,
            )
            | (
                Q(card_payment__status=CardPayment.Status.AUTHORISED)
                & ~Q(status__in=UNSETTLED_STATUSES)
            )
            | Q(
                status=PartnerOrderStatus.CANCELLED,
                card_payment__status__in=CAPTURED,
                card_payment__amount_captured__gt=F("card_payment__amount_refunded"),
            )
        )
        .select_related("order", "card_payment")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk")))
        .order_by("updated_at", "pk")
    )


def with_attention_facts(partner_orders: QuerySet[PartnerOrder]) -> QuerySet[PartnerOrder]:
    """Each partner order annotated with the id of its latest event of each kind that tells
    what a manager must act on (0: none), read by `orders.attention`: dead-lettered and
    re-driven, till refund due and recorded, a line rejected and the rejection handled."""
    events = OrderEvent.objects.filter(partner_order=OuterRef("pk")).order_by("-id")

    def last(*event_types: EventType, **data: str) -> Coalesce:
        of_type = events.filter(type__in=event_types, **data)
        return Coalesce(Subquery(of_type.values("id")[:1]), 0)

    return partner_orders.annotate(
        last_dead_letter=last(EventType.PARTNER_ORDER_DEAD_LETTERED),
        last_redrive=last(EventType.PARTNER_ORDER_REDRIVEN),
        last_refund_due=last(EventType.TILL_REFUND_DUE),
        last_refund=last(EventType.TILL_REFUNDED),
        last_rejection=last(EventType.LINE_STATUS_CHANGED, data__to=LineStatus.REJECTED),
        last_rejection_handled=last(*REJECTION_HANDLED_BY),
    )


def _day_start(day: date, store: Store) -> datetime:
    return datetime.combine(day, time.min, tzinfo=store.zone)
