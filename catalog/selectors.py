"""Reads for the catalogue's pages and prices, each in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Window
from django.db.models.functions import Abs, Coalesce, Lower, RowNumber
from django.utils import timezone

from catalog.catalogue_facts import CatalogueEntry, CatalogueFacts, SupplierTerms
from catalog.models import (
    AssistanceRequest,
    ExchangeRate,
    MasterProduct,
    PricingRule,
    ProductGtin,
    RetailPrice,
    Scan,
    StoreTaxRate,
    SupplierItem,
)
from catalog.pricing import (
    Money,
    PriceRule,
    PricingContext,
    Rounding,
    StorePricing,
    category_key,
)
from partners.models import Partner, PartnerCall, PartnerCircuit
from stores.models import Store

HEALTH_WINDOW = timedelta(hours=1)

# Partners a store manager is shown: those serving stores now, and those paused, so a manager can
# tell a customer why a partner that usually ships an item is missing from a scan.
SHOWN_STATUSES = (Partner.Status.LIVE, Partner.Status.PAUSED)

Outcome = PartnerCall.Outcome

# A call is an error when the partner gave no usable answer, as the associate experienced it:
# "ok" and "not found / not carried" are answers; everything else (HTTP errors, timeouts, bad or
# oversized answers, mapping errors, failed authentication, rate limits, and calls refused before
# they left because the circuit was open or the SSRF guard refused the address) is an error.
ERROR_OUTCOMES = tuple(
    outcome for outcome in Outcome if outcome not in (Outcome.OK, Outcome.NOT_FOUND)
)

# Calls that never reached the network: their "latency" is time spent being refused (or waiting
# for a free slot), not the partner's, so the median leaves them out. `delivery` says so for calls
# logged since it was recorded; the outcomes cover older rows.
NOT_SENT_OUTCOMES = (Outcome.CIRCUIT_OPEN, Outcome.REFUSED)


@dataclass(frozen=True)
class PartnerHealth:
    """What the partners page shows of one partner: no credentials, endpoints or error texts."""

    partner_id: int
    name: str
    status: str
    categories: list[str]
    calls: int
    errors: int
    median_latency_ms: float | None
    last_outcome: str | None
    last_call_at: datetime | None
    circuit: str | None

    @property
    def status_label(self) -> str:
        return Partner.Status(self.status).label

    @property
    def is_live(self) -> bool:
        return self.status == Partner.Status.LIVE

    @property
    def error_percent(self) -> int | None:
        """Errors as a whole percentage of the window's calls; None without calls (not 0: nothing
        is known). Rounded half up, so one error in 200 calls shows as 1%, not 0%."""
        if not self.calls:
            return None
        return (self.errors * 200 + self.calls) // (self.calls * 2)

    @property
    def last_outcome_label(self) -> str | None:
        return Outcome(self.last_outcome).label if self.last_outcome else None

    @property
    def last_call_failed(self) -> bool:
        return self.last_outcome in ERROR_OUTCOMES

    @property
    def circuit_open(self) -> bool:
        return self.circuit == PartnerCircuit.State.OPEN

    @property
    def circuit_half_open(self) -> bool:
        return self.circuit == PartnerCircuit.State.HALF_OPEN


def partners_health(*, now: datetime | None = None) -> list[PartnerHealth]:
    """Live partners first, then paused ones, by priority and name, each with its calls of the
    last hour (`HEALTH_WINDOW`): how many, the error rate (see `ERROR_OUTCOMES`), the median
    latency of those sent (see `NOT_SENT_OUTCOMES`), and its last call ever, however old.

    Every operation counts (lookups, searches, orders, token fetches): the page answers "is this
    partner working", not how one operation performs.

    Two queries whatever the number of partners and calls, and neither returns more than two rows
    per partner: the counts and the last call are correlated subqueries that use the call log's
    (partner, -created_at) index, and the median is picked in the database with window functions
    (row number and count per partner), which SQLite and PostgreSQL both run the same way.
    """
    now = now or timezone.now()
    since = now - HEALTH_WINDOW
    rows = list(_partners_with_call_figures(since))
    medians = _median_latencies(partner_ids=[row["pk"] for row in rows], since=since)
    return [
        PartnerHealth(
            partner_id=row["pk"],
            name=row["name"],
            status=row["status"],
            categories=_category_names(row["categories"]),
            calls=row["calls_in_window"],
            errors=row["errors_in_window"],
            median_latency_ms=medians.get(row["pk"]),
            last_outcome=row["last_outcome"],
            last_call_at=row["last_call_at"],
            circuit=row["circuit_state"],
        )
        for row in rows
    ]


def _partners_with_call_figures(since: datetime) -> QuerySet:
    calls_in_window = PartnerCall.objects.filter(partner=OuterRef("pk"), created_at__gte=since)
    last_call = PartnerCall.objects.filter(partner=OuterRef("pk")).order_by("-created_at", "-pk")
    annotations = {
        "calls_in_window": _count(calls_in_window),
        "errors_in_window": _count(calls_in_window.filter(outcome__in=ERROR_OUTCOMES)),
        "last_outcome": Subquery(last_call.values("outcome")[:1]),
        "last_call_at": Subquery(last_call.values("created_at")[:1]),
        "circuit_state": _circuit_state(),
    }
    live_first = Case(
        When(status=Partner.Status.LIVE, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        Partner.objects.filter(status__in=SHOWN_STATUSES)
        .annotate(**annotations)
        .order_by(live_first, "priority", "name", "pk")
        .values("pk", "name", "status", "categories", *annotations)
    )


def _count(calls: QuerySet) -> Coalesce:
    counted = calls.order_by().values("partner").annotate(number=Count("pk")).values("number")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _circuit_state() -> Subquery | Value:
    """The partner's circuit at its current configuration version. Only the database backend
    keeps circuits in `PartnerCircuit`; with Redis (`PARTNER_LIMITS_BACKEND`) the table says
    nothing, and the page must not call a circuit closed that it cannot see."""
    if settings.PARTNER_LIMITS_BACKEND != "database":
        return Value(None, output_field=PartnerCircuit._meta.get_field("state"))
    circuit = PartnerCircuit.objects.filter(
        partner_id=OuterRef("pk"), config_version=OuterRef("config_version")
    )
    return Coalesce(Subquery(circuit.values("state")[:1]), Value(PartnerCircuit.State.CLOSED.value))


def _median_latencies(*, partner_ids: list[int], since: datetime) -> dict[int, float]:
    """Each partner's median latency over its sent calls since `since`: the middle call by
    latency, or the mean of the two middle ones for an even count. The database numbers each
    partner's calls by latency and keeps only the middle one or two, so at most two rows per
    partner come back however many calls there were."""
    if not partner_ids:
        return {}
    per_partner = {"partition_by": [F("partner_id")]}
    middle = (
        PartnerCall.objects.filter(partner_id__in=partner_ids, created_at__gte=since)
        .exclude(delivery=PartnerCall.Delivery.NOT_SENT)
        .exclude(outcome__in=NOT_SENT_OUTCOMES)
        .annotate(
            position=Window(
                RowNumber(), order_by=[F("latency_ms").asc(), F("pk").asc()], **per_partner
            ),
            sent=Window(Count("pk"), **per_partner),
        )
        # Integer division: an odd count n keeps row (n+1)/2 alone, an even one rows n/2 and n/2+1.
        .filter(position__gte=(F("sent") + 1) / 2, position__lte=(F("sent") + 2) / 2)
        .order_by()
        .values_list("partner_id", "latency_ms")
    )
    latencies: dict[int, list[int]] = {}
    for partner_id, latency_ms in middle:
        latencies.setdefault(partner_id, []).append(latency_ms)
    return {partner_id: sum(pair) / len(pair) for partner_id, pair in latencies.items()}


def _category_names(categories: object) -> list[str]:
    """The partner's categories as text. The field is a merchandiser-edited JSON list; anything
    else in it (an imported file may hold any JSON) is shown as nothing rather than guessed at."""
    if not isinstance(categories, list):
        return []
    return [category for category in categories if isinstance(category, str)]


# A product number names every size and colour of a product; no product has more GTINs.
CODE_GTINS_MAX = 200


def pricing_context_for(store: Store) -> PricingContext:
    """Everything pricing needs for `store`, in three queries."""
    rules = tuple(
        PriceRule(
            markup_percent=rule.markup_percent,
            margin_floor_percent=rule.margin_floor_percent,
            rounding=Rounding(rule.rounding),
            use_msrp=rule.use_msrp,
            partner_id=rule.partner_id,
            category=rule.category,
            rule_id=rule.pk,
        )
        for rule in PricingRule.objects.order_by("pk")
    )
    rates = {
        (rate.from_currency, rate.to_currency): rate.rate
        for rate in ExchangeRate.objects.filter(to_currency=store.currency)
    }
    tax_percents = dict(
        StoreTaxRate.objects.filter(store=store).values_list("category", "rate_percent")
    )
    return PricingContext(
        store=StorePricing(
            code=store.code,
            currency=store.currency,
            prices_include_tax=store.prices_include_tax,
            tax_percents=tax_percents,
        ),
        rules=rules,
        rates=rates,
    )


def catalogue_facts_for(gtin14s: Iterable[str]) -> CatalogueFacts:
    """The master's products and the supplier items of these GTINs (GTIN-14), in three
    queries whatever their number."""
    gtin14s = sorted(set(gtin14s))
    if not gtin14s:
        return CatalogueFacts()
    rows = list(ProductGtin.objects.filter(gtin__in=gtin14s).select_related("product"))
    prices: dict[int, dict] = defaultdict(dict)
    for price in RetailPrice.objects.filter(product__in={row.product_id for row in rows}):
        prices[price.product_id][price.currency] = price.amount
    entries = {
        row.gtin: CatalogueEntry(
            product_id=row.product_id,
            store_sku=row.product.store_sku,
            name=row.product.name,
            brand=row.product.brand,
            category=row.product.category,
            description=row.product.description,
            images=tuple(row.product.image_list),
            retail_prices=prices[row.product_id],
        )
        for row in rows
    }
    supplier_items = {
        (item.partner_id, item.gtin): SupplierTerms(
            partner_id=item.partner_id,
            gtin14=item.gtin,
            partner_sku=item.partner_sku,
            cost=Money(item.cost, item.currency),
        )
        for item in SupplierItem.objects.filter(gtin__in=gtin14s)
    }
    return CatalogueFacts(entries=entries, supplier_items=supplier_items)


@dataclass(frozen=True)
class CodeMatch:
    """The GTINs (GTIN-14) a typed code names in the catalogue, and what it matched."""

    matched: str  # "store_sku", "partner_sku" or "partner_product_number"
    gtin14s: tuple[str, ...]
    partner_ids: frozenset[int] = frozenset()


def catalogue_code_match(text: str) -> CodeMatch | None:
    """What `text` names in the catalogue, compared without regard to case (through the
    tables' lower-case indexes): a store SKU first, then a partner SKU, then a partner's
    product number. None when nothing matches."""
    key = text.lower()
    product = MasterProduct.objects.alias(sku=Lower("store_sku")).filter(sku=key).first()
    if product is not None:
        return CodeMatch(
            matched="store_sku",
            gtin14s=tuple(product.gtins.values_list("gtin", flat=True)[:CODE_GTINS_MAX]),
        )
    items = list(
        SupplierItem.objects.alias(sku=Lower("partner_sku"), number=Lower("partner_product_number"))
        .filter(Q(sku=key) | Q(number=key))
        .order_by("partner_id", "gtin")
        .values_list("partner_id", "gtin", "partner_sku")[:CODE_GTINS_MAX]
    )
    if not items:
        return None
    by_sku = [(partner, gtin) for partner, gtin, sku in items if sku.lower() == key]
    chosen = by_sku or [(partner, gtin) for partner, gtin, _ in items]
    return CodeMatch(
        matched="partner_sku" if by_sku else "partner_product_number",
        gtin14s=tuple(dict.fromkeys(gtin for _, gtin in chosen)),
        partner_ids=frozenset(partner for partner, _ in chosen),
    )


def partners_live() -> QuerySet[Partner]:
    """Every live partner with a configuration serving it, by priority: whom a lookup asks
    when the catalogue routes the code to no partner in particular, and whom a search asks."""
    return Partner.objects.filter(status=Partner.Status.LIVE, live_version__isnull=False).order_by(
        "priority", "name"
    )


RECENT_SCANS = 10


def scans_recent(store: Store, *, limit: int = RECENT_SCANS) -> list[Scan]:
    """The store's last scans, newest first, with who scanned: one query."""
    return list(
        Scan.objects.filter(store=store).select_related("user").order_by("-at", "-pk")[:limit]
    )


# "Similar" in the catalogue: the same category, priced within this fraction of the item's price
# either way (±30%: a €50 jumper suggests jumpers from €35 to €65).
SIMILAR_PRICE_BAND = Decimal("0.30")
SIMILAR_ITEMS_MAX = 6


@dataclass(frozen=True)
class CatalogueSimilar:
    name: str
    brand: str
    gtin14: str
    price: Decimal  # in the currency asked for


def catalogue_similar(
    *,
    category: str,
    price: Decimal,
    currency: str,
    exclude_gtin14s: Iterable[str] = (),
    limit: int = SIMILAR_ITEMS_MAX,
) -> list[CatalogueSimilar]:
    """The master's products of `category` priced in `currency` within SIMILAR_PRICE_BAND of
    `price`, the closest in price first, leaving out the products of `exclude_gtin14s` (the
    item itself). Each with its first GTIN, for a link; a product without one is left out.
    One query."""
    category = category_key(category)
    if not category or price <= 0:
        return []
    low, high = price * (1 - SIMILAR_PRICE_BAND), price * (1 + SIMILAR_PRICE_BAND)
    price_here = RetailPrice.objects.filter(product=OuterRef("pk"), currency=currency)
    first_gtin = ProductGtin.objects.filter(product=OuterRef("pk")).order_by("gtin")
    rows = (
        MasterProduct.objects.filter(category=category)
        .exclude(gtins__gtin__in=list(exclude_gtin14s))
        .annotate(
            price=Subquery(price_here.values("amount")[:1]),
            gtin=Subquery(first_gtin.values("gtin")[:1]),
        )
        .filter(price__gte=low, price__lte=high, gtin__isnull=False)
        .order_by(Abs(F("price") - Value(price)), "name", "pk")
        .values_list("name", "brand", "gtin", "price")[:limit]
    )
    return [
        CatalogueSimilar(name=name, brand=brand, gtin14=gtin, price=amount)
        for name, brand, gtin, amount in rows
    ]


def assistance_requests_open(store: Store) -> list[AssistanceRequest]:
    """The store's requests for help waiting (not handled, not lapsed), oldest first (who has
    waited longest): one query, bounded by `catalog.assistance_services.OPEN_REQUESTS_MAX`."""
    return list(AssistanceRequest.objects.filter(store=store).waiting().order_by("at", "pk"))
