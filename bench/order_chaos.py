"""Orders placed exactly once, or visibly not, through faults, killed workers and a broker outage.

    python -m bench.order_chaos [--orders 500] [--fault-rate 0.2] [--kill-every 5]
                                [--outage 30] [--settle 300] [--database-url postgres://...]

The four sandbox partners in another process (bench/order_sandboxes.py): Threadline (keyed by
the idempotency key), Stridewell and Baywater (by our reference; Baywater takes one item per
order) and Hearth, onboarded as a partner that cannot recognise a repeat (`deduplication:
none`) and served as one that takes every request as a new order. Orders of one to three items
from random partners are written as checkout writes them, over `--write-seconds`, each published
after its commit as checkout does (a broker error leaves it to the sweeper). Meanwhile:

- the sandboxes spoil `--fault-rate` of order requests: 5xx before acting, a timeout after
  acting, a dropped connection after acting;
- the worker (production's settings, 2 processes) is SIGKILLed with its pool every
  `--kill-every` seconds (with jitter) and started again;
- the SQS endpoint (moto's server) is stopped for `--outage` seconds and started again on the
  same port (its queues and messages survive, as SQS's would);
- the outbox sweeper and the dead-letter reader run every few seconds (their services, as beat
  would run their tasks).

Short visibility timeout (20 s) so that redelivery takes seconds. Then the chaos stops and the
script waits until every partner order is final or in review (or `--settle` runs out) and
prints placed / failed / needs review / lost / duplicated, reconciled against the sandboxes'
own order books. Goal: 0 lost, 0 duplicated. Asserts nothing.
"""

import argparse
import os
import random
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from bench.order_rig import (
    django_ready,
    items_of,
    order_write,
    outbox_publish_logged,
    partners_onboard,
    reconcile,
    store_with_associate,
    wait_until,
    worker_kill,
    worker_start,
    worker_stop,
)
from bench.order_sandboxes import order_sandboxes_served

NONE_DEDUPE = ("hearth",)
VISIBILITY_TIMEOUT_SECONDS = 20
MAINTENANCE_EVERY_SECONDS = 5
SWEEP_AFTER_SECONDS = 10
SETTLED = ("accepted", "shipped", "delivered", "rejected", "failed", "cancelled", "needs_review")


class Chaos:
    """The threads that write orders, kill workers, stop the broker and run maintenance."""

    def __init__(self, args, endpoint: str, server, partners: dict) -> None:
        self.args = args
        self.endpoint = endpoint
        self.server = server
        self.partners = partners
        self.stats: Counter[str] = Counter()
        self.publish_seconds: list[float] = []
        self.writing_done = threading.Event()
        self.chaos_over = threading.Event()
        self.stopping = threading.Event()
        self.worker = worker_start()
        self.worker_lock = threading.Lock()
        self.random = random.Random(7)  # noqa: S311 - a benchmark's dice

    def write_orders(self) -> None:
        from django.db import connection

        store, associate = store_with_associate()
        items = [item for partner in self.partners.values() for item in items_of(partner)]
        pause = self.args.write_seconds / self.args.orders
        try:
            for _ in range(self.args.orders):
                chosen = self.random.sample(items, self.random.randint(1, 3))
                message_ids = order_write(store=store, associate=associate, items=chosen)
                self.stats["orders written"] += 1
                publishing = time.monotonic()
                if not outbox_publish_logged(message_ids):
                    self.stats["publishes failed after commit (left to the sweeper)"] += 1
                self.publish_seconds.append(time.monotonic() - publishing)
                time.sleep(pause)
        finally:
            connection.close()
            self.writing_done.set()

    def kill_workers(self) -> None:
        while not self.chaos_over.wait(self.args.kill_every * self.random.uniform(0.6, 1.4)):
            with self.worker_lock:
                worker_kill(self.worker)
                self.stats["worker SIGKILLs"] += 1
                self.worker = worker_start()

    def broker_outage(self) -> None:
        from endless_aisle.sqs_emulator import sqs_emulator_start

        if self.stopping.wait(self.args.outage_at):
            return
        self.server.stop()
        self.stats["broker outages"] += 1
        down_since = time.monotonic()
        self.stopping.wait(self.args.outage)
        self.server = sqs_emulator_start(self.endpoint)
        self.stats["broker down (s)"] = round(time.monotonic() - down_since)

    def maintain(self) -> None:
        from django.db import connection

        from orders.dead_letters import dead_letters_record
        from orders.outbox import outbox_sweep

        try:
            while not self.stopping.wait(MAINTENANCE_EVERY_SECONDS):
                try:
                    self.stats["swept (published again)"] += outbox_sweep(
                        older_than_seconds=SWEEP_AFTER_SECONDS
                    )
                    self.stats["dead letters recorded"] += dead_letters_record()
                except Exception as error:  # the broker is down: next time
                    self.stats[f"maintenance failed: {type(error).__name__}: {error}"[:120]] += 1
        finally:
            connection.close()

    def run(self) -> list[threading.Thread]:
        threads = [
            threading.Thread(target=self.write_orders, name="writer"),
            threading.Thread(target=self.kill_workers, name="killer"),
            threading.Thread(target=self.broker_outage, name="outage"),
            threading.Thread(target=self.maintain, name="maintenance"),
        ]
        for thread in threads:
            thread.start()
        return threads


def _settled() -> bool:
    """Every partner order is final or in review, or dead-lettered (waiting for a manager's
    re-drive: nothing moves it by itself)."""
    from orders.events import EventType
    from orders.models import PartnerOrder

    return (
        not PartnerOrder.objects.exclude(status__in=SETTLED)
        .exclude(events__type=EventType.PARTNER_ORDER_DEAD_LETTERED)
        .exists()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--write-seconds", type=float, default=90)
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--kill-every", type=float, default=5)
    parser.add_argument("--outage-at", type=float, default=20)
    parser.add_argument("--outage", type=float, default=30)
    parser.add_argument("--settle", type=float, default=300)
    parser.add_argument("--database-url", help="PostgreSQL instead of a new SQLite file")
    args = parser.parse_args()
    load_before = os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="bench-order-chaos-"))
    started = time.monotonic()

    with order_sandboxes_served(forgetful=NONE_DEDUPE) as sandboxes:
        endpoint = django_ready(
            sandboxes.base_urls,
            workdir,
            database_url=args.database_url,
            settings={"SQS_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT_SECONDS)},
        )
        from endless_aisle.queues import queues_ensure
        from endless_aisle.sqs_emulator import sqs_emulator_start
        from orders.events import EventType
        from orders.models import OrderEvent, PartnerOrder

        server = sqs_emulator_start(endpoint)
        queues_ensure()
        partners = partners_onboard(sandboxes.base_urls, none_dedupe=NONE_DEDUPE)
        sandboxes.faults_start(args.fault_rate)
        chaos = Chaos(args, endpoint, server, partners)
        threads = chaos.run()
        chaos.writing_done.wait()
        chaos.chaos_over.set()
        threads[1].join()
        threads[2].join()  # the broker is back
        chaos_seconds = time.monotonic() - started
        settled = wait_until(_settled, deadline_seconds=args.settle)
        chaos.stopping.set()
        for thread in threads:
            thread.join()
        worker_stop(chaos.worker)
        records = sandboxes.records()
        chaos.server.stop()

    result = reconcile(records, PartnerOrder.objects.order_by("pk"))
    dead_lettered = (
        PartnerOrder.objects.exclude(status__in=SETTLED)
        .filter(events__type=EventType.PARTNER_ORDER_DEAD_LETTERED)
        .distinct()
        .count()
    )
    attempts = OrderEvent.objects.filter(type=EventType.PARTNER_ORDER_ATTEMPTED).count()
    print(
        f"{args.orders} orders over {args.write_seconds:.0f} s; faults {args.fault_rate:.0%} of "
        f"order requests; worker SIGKILLed every ~{args.kill_every:.0f} s; SQS down "
        f"{args.outage:.0f} s from {args.outage_at:.0f} s; visibility timeout "
        f"{VISIBILITY_TIMEOUT_SECONDS} s; {'PostgreSQL' if args.database_url else 'SQLite'}"
    )
    print(
        f"  load average before / after: {load_before[0]:.2f} / {os.getloadavg()[0]:.2f}; "
        f"chaos {chaos_seconds:.0f} s, then settled: {settled} after "
        f"{time.monotonic() - started - chaos_seconds:.0f} s more"
    )
    for name, value in sorted(chaos.stats.items()):
        print(f"  {name}: {value}")
    slow = [seconds for seconds in chaos.publish_seconds if seconds > 1]
    print(
        "  publishing after commit (what checkout's request waits for): median "
        f"{statistics.median(chaos.publish_seconds) * 1000:.0f} ms; {len(slow)} took over 1 s"
        + (f" (median {statistics.median(slow):.1f} s, max {max(slow):.1f} s)" if slow else "")
    )
    for name, book in records.items():
        print(
            f"  sandbox {name} ({urlsplit(sandboxes.base_urls[name]).port}): "
            f"{len(book['orders'])} orders held, {book['order_requests']} order requests, "
            f"faults drawn {book['faults']}"
        )
    print(f"  placement attempts recorded: {attempts}")
    print(
        f"  partner orders {result.counts['partner orders']}: placed "
        f"{sum(result.counts[s] for s in ('accepted', 'shipped', 'delivered'))} / rejected "
        f"{result.counts['rejected']} / failed {result.counts['failed']} / needs review "
        f"{result.counts['needs_review']} (held by the partner "
        f"{result.counts['review, held by partner']}, not held "
        f"{result.counts['review, not held']})"
    )
    print(
        f"  LOST {result.counts['lost']} (of which dead-lettered, awaiting a re-drive: "
        f"{dead_lettered}) / DUPLICATED {result.counts['duplicated']} / ghost (we say "
        f"failed, the partner holds it) {result.counts['ghost']}   (goal: 0 lost, 0 duplicated)"
    )
    for problem in result.problems[:30]:
        print(f"    {problem}")


if __name__ == "__main__":
    main()
