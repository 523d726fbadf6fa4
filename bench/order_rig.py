"""What the order benchmarks share: Django on a new database with the sandbox partners onboarded,
orders written as checkout writes them, a real Celery worker, and reconciliation against the
sandboxes' own order books.

Orders are written directly (Order, PartnerOrders, lines, outbox rows, the `order_placed`
event, in one transaction, grouped as checkout groups them: one partner order per partner, per
line for a partner taking one item per order) and published through the outbox. The real
checkout first asks the partners again for every line (`cart_reprice`) and publishes in its
own on-commit hook, so its lookups would be timed with the pipeline and its publishing could
not be started at one instant.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from bench import REPO, django_migrated, free_port
from bench.order_sandboxes import REPEAT_MARK

WORKER_CONCURRENCY = 2  # the demo's, and Celery's default (one per CPU) on this 2-CPU machine
POLL_SECONDS = 0.2  # each poll asks moto, whose CPU bounds these benchmarks


def django_ready(
    base_urls: dict[str, str],
    workdir: Path,
    *,
    database_url: str | None = None,
    settings: dict[str, str] | None = None,
) -> str:
    """Django set up on a new database (SQLite in `workdir` unless `database_url`), migrated,
    the sandboxes allowed through the SSRF guard, SQS on a free loopback port. The SQS
    endpoint URL (not yet served)."""
    endpoint = f"http://127.0.0.1:{free_port()}"
    environment = {
        "SQS_ENDPOINT_URL": endpoint,
        "PARTNER_HOST_ALLOWLIST": ",".join(urlsplit(url).netloc for url in base_urls.values()),
        **(settings or {}),
    }
    django_migrated(workdir, database_url=database_url, settings=environment)
    return endpoint


def partners_onboard(base_urls: dict[str, str], *, none_dedupe: tuple[str, ...] = ()) -> dict:
    """Each sandbox onboarded from its configuration file, proved and taken live; partners in
    `none_dedupe` are told to us as unable to recognise a repeat. Slug -> Partner."""
    from partners.models import Partner
    from partners.sandbox.catalog import PartnerName
    from partners.sandbox.onboarding import (
        sandbox_config,
        sandbox_partner_import,
        sandbox_partner_prove,
    )
    from partners.services import partner_status_change

    partners = {}
    for name, url in base_urls.items():
        data = sandbox_config(PartnerName(name))
        if name in none_dedupe:
            data["partner"]["deduplication"] = Partner.Deduplication.NONE
        partner = sandbox_partner_import(PartnerName(name), url, data)
        partner = partner_status_change(partner=partner, status=Partner.Status.TESTING)
        sandbox_partner_prove(partner, PartnerName(name))
        partners[partner.slug] = partner_status_change(partner=partner, status=Partner.Status.LIVE)
    return partners


def store_with_associate():
    from django.contrib.auth import get_user_model

    from stores.models import Store

    store, _ = Store.objects.get_or_create(
        code="BENCH-01",
        defaults={
            "name": "Benchmark Store",
            "address_line1": "1 High Street",
            "city": "Leeds",
            "postal_code": "LS1 1AA",
            "country": "GB",
            "currency": "GBP",
            "timezone": "Europe/London",
            "notification_emails": "orders@example.com",
        },
    )
    associate, _ = get_user_model().objects.get_or_create(username="bench-associate")
    return store, associate


@dataclass(frozen=True)
class Item:
    """A sellable item of a partner: its partner, SKU, GTIN, cost and price."""

    partner: object
    sku: str
    gtin13: str
    name: str
    cost: Decimal
    price: Decimal


def items_of(partner) -> list[Item]:
    from partners.sandbox.catalog import PartnerCatalog, PartnerName, catalog_default

    return [
        Item(partner, item.sku, item.variant.gtin, offer.product.name, offer.cost, offer.rrp)
        for offer in PartnerCatalog(catalog_default(), PartnerName(partner.slug)).offers
        for item in offer.variants
    ]


def order_write(*, store, associate, items: list[Item]) -> list[int]:
    """One order of `items` (one of each), written as checkout writes it (module docstring);
    its outbox message ids."""
    from django.db import transaction

    from orders.events import EventType
    from orders.models import Order, OrderLine, OutboxMessage, PartnerOrder
    from orders.services import order_event_append, order_number_next

    groups: dict[int, list[Item]] = {}
    for item in items:
        groups.setdefault(item.partner.pk, []).append(item)
    parts = []
    for group in groups.values():
        if group[0].partner.one_item_per_order:
            parts.extend([item] for item in group)
        else:
            parts.append(group)
    total = sum(item.price for item in items)
    with transaction.atomic():
        order = Order.objects.create(
            number=order_number_next(store=store),
            store=store,
            associate=associate,
            checkout_token=uuid.uuid4(),
            customer_name="Ada Lovelace",
            customer_email="ada@example.com",
            delivery_method=Order.DeliveryMethod.SHIP_TO_CUSTOMER,
            address_line1="2 Park Lane",
            city="London",
            postal_code="W1K 1AA",
            country="GB",
            currency=store.currency,
            prices_include_tax=True,
            subtotal=total,
            shipping_total=Decimal(0),
            tax_total=Decimal(0),
            total=total,
            payment_method=Order.PaymentMethod.TILL,
            payment_reference="BENCH-TILL",
            till_amount=total,
        )
        message_ids = []
        for number, part in enumerate(parts, start=1):
            partner = part[0].partner
            partner_order = PartnerOrder.objects.create(
                order=order,
                partner=partner,
                partner_name=partner.name,
                partner_slug=partner.slug,
                one_item_per_order=partner.one_item_per_order,
                reference=f"{order.number}-{number}",
                shipping_amount=Decimal(0),
            )
            OrderLine.objects.bulk_create(
                OrderLine(
                    partner_order=partner_order,
                    product_name=item.name,
                    partner_sku=item.sku,
                    gtin=item.gtin13.zfill(14),
                    quantity=1,
                    unit_price=item.price,
                    unit_cost=item.cost,
                    cost_currency=store.currency,
                )
                for item in part
            )
            message_ids.append(
                OutboxMessage.objects.create(
                    partner_order=partner_order,
                    queue=_create_order_queue(),
                    payload={"partner_order_id": partner_order.pk},
                ).pk
            )
        order_event_append(
            order, EventType.ORDER_PLACED, associate, {"number": order.number, "bench": True}
        )
    return message_ids


def _create_order_queue() -> str:
    from django.conf import settings

    return settings.SQS_QUEUES.create_order


def outbox_publish_logged(message_ids: list[int]) -> bool:
    """Publish as checkout's on-commit hook does: a broker error leaves the rows to the
    sweeper. Whether they went."""
    from orders.outbox import outbox_publish

    try:
        outbox_publish(message_ids=message_ids)
    except Exception:
        return False
    return True


def worker_start(*extra: str) -> subprocess.Popen:
    """A Celery worker with production's settings, in a process group of its own (so a SIGKILL
    takes its pool processes too, as when a machine dies)."""
    return subprocess.Popen(  # noqa: S603 - Celery, from this virtual environment
        [sys.executable, "-m", "celery", "-A", "endless_aisle", "worker",
         "--concurrency", str(WORKER_CONCURRENCY), "-l", "WARNING", *extra],
        cwd=REPO,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip


def worker_kill(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()


def worker_stop(worker: subprocess.Popen) -> None:
    """A warm shutdown: the tasks running finish first."""
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(60)
    except subprocess.TimeoutExpired:
        worker_kill(worker)


def group_cpu_seconds(process_group: int) -> float:
    """CPU seconds (user + system) used so far by the living processes of `process_group`
    (a worker and its pool and mapping evaluators)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        if int(fields[2]) == process_group:  # fields after the name: state, ppid, pgrp, ...
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def wait_until(condition: Callable[[], bool], *, deadline_seconds: float) -> bool:
    ends = time.monotonic() + deadline_seconds
    while time.monotonic() < ends:
        if condition():
            return True
        time.sleep(POLL_SECONDS)
    return condition()


@dataclass
class Reconciliation:
    """Our partner orders against the partners' own order books (docs/performance.md)."""

    counts: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def line(self, *names: str) -> str:
        return " / ".join(f"{name} {self.counts[name]}" for name in names)


PLACED = ("accepted", "shipped", "delivered")


def reconcile(records: dict, partner_orders) -> Reconciliation:
    """Classify each partner order by our status and how many orders its partner holds for its
    reference (or, for a partner keyed by the idempotency key, its key).

    lost: we say placed but the partner does not hold it, or it is neither final nor in review.
    duplicated: the partner holds more than one order for it. ghost: we say failed/rejected
    but the partner holds an accepted order (the partner will ship what we think is not
    placed)."""
    held: dict[str, Counter] = {}
    holding: dict[tuple[str, str], list[list[str]]] = {}
    for name, book in records.items():
        held[name] = Counter()
        for order_id, reference, status in book["orders"]:
            key = reference.split(REPEAT_MARK)[0]
            held[name][key] += 1
            holding.setdefault((name, key), []).append([order_id, status])
    result = Reconciliation()
    for po in partner_orders:
        keys = {po.reference, str(po.idempotency_key)}
        copies = sum(held.get(po.partner_slug, Counter())[key] for key in keys)
        orders = [o for key in keys for o in holding.get((po.partner_slug, key), [])]
        result.counts["partner orders"] += 1
        result.counts[po.status] += 1
        label = f"{po.reference} ({po.partner_slug}, ours {po.status}, theirs {orders})"
        if copies > 1:
            result.counts["duplicated"] += 1
            result.problems.append(f"duplicated: {label}")
        if po.status in PLACED:
            if copies == 0:
                result.counts["lost"] += 1
                result.problems.append(f"lost (placed, partner holds none): {label}")
            elif po.partner_reference not in {order_id for order_id, _ in orders}:
                result.problems.append(f"partner reference differs: {label}")
        elif po.status in ("pending", "submitted"):
            result.counts["lost"] += 1
            result.problems.append(f"lost (neither final nor in review): {label}")
        elif po.status in ("failed", "rejected"):
            if any(status == "accepted" for _, status in orders):
                result.counts["ghost"] += 1
                result.problems.append(f"ghost (we say {po.status}, partner holds it): {label}")
        elif po.status == "needs_review":
            result.counts["review, held by partner" if copies else "review, not held"] += 1
    return result
