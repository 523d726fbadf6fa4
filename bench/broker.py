"""How fast tasks travel through SQS (moto's server) compared with raw SQS calls on the same server.

    python -m bench.broker [--tasks 200]

Prints medians and ratios; it asserts nothing. Publishing: Celery's `delay()` against boto3's
`send_message` with the same body size. Draining: a real Celery worker (2 processes) running the
heartbeat task (one database write each), timed from its first finished message to an empty
queue, against a raw boto3 receive-and-delete loop.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import bench_environment, free_port, queue_depth

REPO = Path(__file__).resolve().parent.parent
QUEUE = "maintenance-queue"
RAW_QUEUE = "bench-raw-queue"
# A stopped worker's last long poll can still be answered by the server and take messages; they
# then stay hidden for the visibility timeout. Wait it out between rounds.
LONG_POLL_SECONDS = 10


def _configure_environment(workdir: Path) -> None:
    os.environ.update(bench_environment(workdir))
    os.environ["SQS_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"


def _drain_times(client, url: str, total: int) -> tuple[float, float]:
    """Seconds until the first message is gone (worker start-up) and until all are gone."""
    started = time.perf_counter()
    first_gone = None
    while depth := queue_depth(client, url):
        if first_gone is None and depth < total:
            first_gone = time.perf_counter() - started
        time.sleep(0.02)
    return first_gone or 0.0, time.perf_counter() - started


def _per_second(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-broker-"))
    _configure_environment(workdir)
    import django

    django.setup()
    from django.core.management import call_command

    from endless_aisle.queues import queues_ensure, sqs_client
    from endless_aisle.sqs_emulator import sqs_emulator_start
    from endless_aisle.tasks import worker_heartbeat

    call_command("migrate", verbosity=0)
    server = sqs_emulator_start(os.environ["SQS_ENDPOINT_URL"])
    url = queues_ensure()[QUEUE]
    client = sqs_client()
    raw_url = client.create_queue(QueueName=RAW_QUEUE)["QueueUrl"]
    body = "x" * 600  # about the size of a Celery task message on SQS

    celery_publish, raw_publish, worker_drain, raw_drain, worker_start_up = [], [], [], [], []
    for round_number in range(args.rounds):
        if round_number:
            time.sleep(LONG_POLL_SECONDS + 1)
        started = time.perf_counter()
        for _ in range(args.tasks):
            client.send_message(QueueUrl=raw_url, MessageBody=body)
        raw_publish.append(time.perf_counter() - started)

        started = time.perf_counter()
        received = 0
        while received < args.tasks:
            messages = client.receive_message(
                QueueUrl=raw_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            ).get("Messages", [])
            for message in messages:
                client.delete_message(QueueUrl=raw_url, ReceiptHandle=message["ReceiptHandle"])
            received += len(messages)
        raw_drain.append(time.perf_counter() - started)

        started = time.perf_counter()
        for _ in range(args.tasks):
            worker_heartbeat.delay()
        celery_publish.append(time.perf_counter() - started)

        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "endless_aisle", "worker",
             "--concurrency", "2", "-l", "WARNING"],
            cwd=REPO, env=os.environ.copy(),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        start_up, total = _drain_times(client, url, args.tasks)
        worker_start_up.append(start_up)
        worker_drain.append(total - start_up)
        worker.terminate()
        worker.wait(timeout=60)

    server.stop()
    n = args.tasks
    rows = [
        ("publish: Celery delay()", statistics.median(celery_publish)),
        ("publish: boto3 send_message", statistics.median(raw_publish)),
        ("drain: Celery worker x2 (after start-up)", statistics.median(worker_drain)),
        ("drain: boto3 receive+delete loop", statistics.median(raw_drain)),
    ]
    print(f"{n} messages, median of {args.rounds} rounds, SQS on moto's server (loopback)")
    for label, seconds in rows:
        print(f"  {label:<42} {seconds:7.2f} s  {_per_second(n, seconds):7.1f} msg/s")
    print(f"  worker start-up to first message done: {statistics.median(worker_start_up):.2f} s")
    print(f"  publish ratio (Celery / raw): {rows[0][1] / rows[1][1]:.2f}x")
    print(f"  drain ratio (worker / raw):   {rows[2][1] / rows[3][1]:.2f}x")


if __name__ == "__main__":
    main()
