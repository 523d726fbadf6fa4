"""Orders per second through the whole order pipeline, against a no-op task round trip on the same
broker and worker.

    python -m bench.order_pipeline [--orders 1000] [--rounds 1] [--database-url postgres://...]

SQS on moto's server (queues created as in production, with their dead-letter queues), the
Threadline sandbox in another process with no latency, a real Celery worker with production's
settings (prefetch 1, acks late, 2 processes). Each round:

- baseline: N tasks published to create-order-queue that each do one database write (the worker
  heartbeat), timed from the first publish until the queue is empty;
- orders: N one-line orders written as checkout writes them (bench/order_rig.py says why not
  through checkout itself), then published through the outbox, timed from the first publish
  until every partner order is accepted and the queue is empty.

Prints both rates, their ratio (goal >= 0.5), the median time from publish to accepted, and a
reconciliation against the sandbox's own order book (every order held exactly once). Asserts
nothing.
"""

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench import p95, queue_depth
from bench.order_rig import (
    django_ready,
    group_cpu_seconds,
    items_of,
    order_write,
    partners_onboard,
    reconcile,
    store_with_associate,
    wait_until,
    worker_start,
    worker_stop,
)
from bench.order_sandboxes import order_sandboxes_served

HEARTBEAT_TASK = "endless_aisle.tasks.worker_heartbeat"


def _baseline_round(app, client, url: str, queue: str, count: int) -> tuple[float, float]:
    """Seconds publishing took, and seconds from the first publish to an empty queue."""
    started = time.perf_counter()
    for _ in range(count):
        app.send_task(HEARTBEAT_TASK, queue=queue, routing_key=queue, retry=False)
    published = time.perf_counter() - started
    wait_until(lambda: queue_depth(client, url) == 0, deadline_seconds=600)
    return published, time.perf_counter() - started


def _orders_round(client, url: str, store, associate, items, count: int):
    """Seconds publishing took, seconds from the first publish until all are accepted, seconds
    writing took, the partner order ids, and whether all were accepted before the deadline."""
    from orders.models import PartnerOrder
    from orders.outbox import outbox_publish

    written = time.perf_counter()
    message_ids = []
    for number in range(count):
        message_ids += order_write(
            store=store, associate=associate, items=[items[number % len(items)]]
        )
    writing = time.perf_counter() - written
    ids = list(
        PartnerOrder.objects.filter(outbox_messages__pk__in=message_ids).values_list(
            "pk", flat=True
        )
    )
    started = time.perf_counter()
    outbox_publish(message_ids=message_ids)
    published = time.perf_counter() - started

    def done() -> bool:
        # The queue first: counting 1,000 partner orders five times a second would load the
        # database the worker is writing to.
        if queue_depth(client, url) != 0:
            return False
        return PartnerOrder.objects.filter(pk__in=ids, status="accepted").count() == len(ids)

    finished = wait_until(done, deadline_seconds=max(300, count))
    return published, time.perf_counter() - started, writing, ids, finished


def _publish_to_accepted_seconds(partner_order_ids: list[int]) -> list[float]:
    from django.db.models import Max

    from orders.events import EventType
    from orders.models import OrderEvent, OutboxMessage

    published = dict(
        OutboxMessage.objects.filter(partner_order__in=partner_order_ids).values_list(
            "partner_order", "published_at"
        )
    )
    accepted = (
        OrderEvent.objects.filter(
            partner_order__in=partner_order_ids,
            type=EventType.PARTNER_ORDER_STATUS_CHANGED,
        )
        .values("partner_order")
        .annotate(at=Max("at"))
    )
    return [(row["at"] - published[row["partner_order"]]).total_seconds() for row in accepted]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--database-url", help="PostgreSQL instead of a new SQLite file")
    args = parser.parse_args()
    load_before = os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="bench-order-pipeline-"))

    with order_sandboxes_served() as sandboxes:
        endpoint = django_ready(
            {"threadline": sandboxes.base_urls["threadline"]},
            workdir,
            database_url=args.database_url,
        )
        from django.conf import settings

        from endless_aisle.celery import app
        from endless_aisle.queues import queues_ensure, sqs_client
        from endless_aisle.sqs_emulator import sqs_emulator_start
        from orders.models import PartnerOrder

        server = sqs_emulator_start(endpoint)
        queue = settings.SQS_QUEUES.create_order
        url = queues_ensure()[queue]
        client = sqs_client()
        partner = partners_onboard({"threadline": sandboxes.base_urls["threadline"]})["threadline"]
        store, associate = store_with_associate()
        items = items_of(partner)

        worker = worker_start()
        warm_up = _baseline_round(app, client, url, queue, 1)[1]
        baseline, pipeline, writing, latencies, all_ids = [], [], [], [], []
        baseline_publish, pipeline_publish = [], []
        unfinished = 0
        cpu = {"no-op tasks": [0.0, 0.0], "orders": [0.0, 0.0]}

        def cpu_counted(phase: str, run):
            here, worker_cpu = time.process_time(), group_cpu_seconds(worker.pid)
            outcome = run()
            cpu[phase][0] += time.process_time() - here
            cpu[phase][1] += group_cpu_seconds(worker.pid) - worker_cpu
            return outcome

        for _ in range(args.rounds):
            publishing, seconds = cpu_counted(
                "no-op tasks", lambda: _baseline_round(app, client, url, queue, args.orders)
            )
            baseline_publish.append(publishing)
            baseline.append(seconds)
            publishing, seconds, wrote, ids, finished = cpu_counted(
                "orders",
                lambda: _orders_round(client, url, store, associate, items, args.orders),
            )
            pipeline_publish.append(publishing)
            pipeline.append(seconds)
            writing.append(wrote)
            latencies += _publish_to_accepted_seconds(ids)
            all_ids += ids
            unfinished += not finished
        worker_stop(worker)
        records = sandboxes.records()
        server.stop()

    n = args.orders
    load_after = os.getloadavg()
    orders_rate = n / statistics.median(pipeline)
    baseline_rate = n / statistics.median(baseline)
    result = reconcile(records, PartnerOrder.objects.filter(pk__in=all_ids))
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"{n} orders x {args.rounds} rounds, SQS on moto's server, Threadline sandbox (no latency) "
        f"in another process, worker x2 (prefetch 1, acks late), {database}"
    )
    print(f"  load average before / after: {load_before[0]:.2f} / {load_after[0]:.2f}")
    print(f"  worker start-up until the first task was done: {warm_up:.2f} s")
    print(
        f"  writing the orders (not timed below): {statistics.median(writing):.2f} s "
        f"({n / statistics.median(writing):.0f} orders/s)"
    )
    print(
        f"  no-op task round trips:  {statistics.median(baseline):7.2f} s  {baseline_rate:6.1f}/s"
        f"  (rounds: {', '.join(f'{s:.2f}' for s in baseline)} s; "
        f"publishing {statistics.median(baseline_publish):.2f} s)"
    )
    print(
        f"  orders end to end:       {statistics.median(pipeline):7.2f} s  {orders_rate:6.1f}/s"
        f"  (rounds: {', '.join(f'{s:.2f}' for s in pipeline)} s; "
        f"publishing {statistics.median(pipeline_publish):.2f} s)"
    )
    print(f"  ratio orders / no-op tasks: {orders_rate / baseline_rate:.2f} (goal >= 0.5)")
    if len(latencies) > 1:
        print(
            f"  publish to accepted, per order: median {statistics.median(latencies):.2f} s, "
            f"p95 {p95(latencies):.2f} s"
        )
    for phase, (here, worker_cpu) in cpu.items():
        print(
            f"  CPU per message, {phase}: this process (moto's server, publishing, polling) "
            f"{here * 1000 / (n * args.rounds):.1f} ms, worker with its pool and evaluators "
            f"{worker_cpu * 1000 / (n * args.rounds):.1f} ms"
        )
    if unfinished:
        print(f"  ROUNDS NOT FINISHED before their deadline: {unfinished}")
    held = sum(len(book["orders"]) for book in records.values())
    print(
        f"  reconciliation: {result.line('partner orders', 'accepted', 'lost', 'duplicated')}; "
        f"the sandbox holds {held} orders ({held - result.counts['accepted']} of them the "
        "onboarding's test orders)"
    )
    for problem in result.problems[:20]:
        print(f"    {problem}")


if __name__ == "__main__":
    main()
