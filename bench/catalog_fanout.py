"""The catalogue's lookup fan-out against partners that each answer after 200 ms.

    python -m bench.catalog_fanout [--rounds 15] [--seconds 10] [--evaluators N]
        [--database-url postgres://...] [--limits database|redis] [--redis-url URL]

Up to ten partners, each a Threadline sandbox served by ANOTHER process (so the figures do not
time the servers' own work), answer a lookup after 200 ms with a 20-variant product, through
Threadline's real declarative configuration (API key, JSONata response mapping in the
evaluator pool, shape validation, call log, shared limits in the database). Prints:

1. a lookup's wall time (`catalog_lookup`, cache bypassed) ÷ 200 ms for 1, 3, 5 and 10
   partners, beside bare concurrent GETs of the same URLs (the floor of threads and HTTP);
2. where a 5- and a 10-partner lookup's time goes: when the last partner call started, when
   the last answer was in and when the lookup returned; per call, the time in HTTP beyond the
   200 ms and in the response mapping; CPU per lookup in this process, the evaluators and the
   partners' server;
3. lookups per second one process sustains with 5 partners, from 1, 4 and 8 threads;
4. the median time of a repeated lookup answered from the cache (5 and 10 partners).
Prints figures; asserts nothing. `--evaluators` sets MAPPING_EVALUATOR_PROCESSES (default: the
setting's, at most 4 and no more than the cores). By default the demo's configuration: a new
SQLite database, the partners' concurrency slots in it. Production's is PostgreSQL
(`--database-url`, a database the benchmark migrates and empties) and the slots in Redis
(`--limits redis`). The cache is process memory unless `CACHE_URL`
says otherwise: `CACHE_URL=redis://127.0.0.1:6379/5` measures the cached lookup against Redis,
as in production.
"""

import argparse
import os
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from bench import median_ms
from bench.sandbox_partners import bench_gtin, control, django_ready, onboard, partners_served

PARTNERS = 10
LATENCY_MS = 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--evaluators", type=int, default=0)
    parser.add_argument("--database-url", default="", help="PostgreSQL instead of SQLite")
    parser.add_argument("--limits", choices=["database", "redis"], default="database")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    with partners_served(PARTNERS) as (base_urls, server_pid):
        run(args, base_urls, server_pid)


def run(args, base_urls: list[str], server_pid: int) -> None:
    limits = {"PARTNER_LIMITS_BACKEND": args.limits}
    if args.limits == "redis":
        limits["PARTNER_LIMITS_REDIS_URL"] = args.redis_url
        limits["PARTNER_LIMITS_REDIS_PREFIX"] = f"bench-fanout:{os.getpid()}:"
    django_ready(
        base_urls,
        Path(tempfile.mkdtemp(prefix="bench-fanout-")),
        evaluators=args.evaluators,
        database_url=args.database_url,
        settings=limits,
    )
    from django.conf import settings

    from catalog.lookup import catalog_lookup
    from partners.mapping.evaluator_pool import evaluator_pool

    partners = onboard(base_urls)
    for url in base_urls:
        control(url, "latency", {"ms": LATENCY_MS})
    code = bench_gtin(20)

    def lookup(count: int, *, refresh: bool = True):
        return catalog_lookup(
            code=code,
            partners=partners[:count],
            selling_price=lambda offer: offer.cost,
            refresh=refresh,
        )

    warm = lookup(PARTNERS)  # evaluators started, connections and mappings warm
    answered = [outcome for outcome in warm.outcomes if outcome.answered]
    variants = len(warm.views[0].variants) if warm.views else 0
    print(
        f"{PARTNERS} sandbox partners in another process, each answering after {LATENCY_MS} ms "
        f"with a {variants}-variant product; {len(answered)}/{PARTNERS} answered the warm-up; "
        f"{settings.MAPPING_EVALUATOR_PROCESSES} mapping evaluators; {os.cpu_count()} CPUs; "
        f"{'PostgreSQL' if args.database_url else 'SQLite'}, slots in the {args.limits}; "
        f"median of {args.rounds} lookups each, cache bypassed"
    )
    print("partners  lookup    ÷200 ms   bare concurrent GETs  ÷200 ms")
    for count in (1, 3, 5, 10):
        ours = median_ms(lambda count=count: lookup(count), args.rounds)
        bare = median_ms(lambda count=count: bare_fanout(base_urls[:count], code), args.rounds)
        print(
            f"{count:>8}  {ours:6.1f} ms  {ours / LATENCY_MS:5.2f}x   {bare:6.1f} ms"
            f"             {bare / LATENCY_MS:5.2f}x"
        )

    print("Where the time goes (medians; the partners' server is not ours):")
    for count in (5, 10):
        where_the_time_goes(lookup, count, args.rounds, evaluator_pool().pids(), server_pid)
    throughput(lambda: lookup(5), args.seconds)

    lookup(10, refresh=False)
    print("A repeated lookup answered from the cache (catalog_lookup in this process), median:")
    for count in (5, 10):
        cached = median_ms(lambda count=count: lookup(count, refresh=False), 200)
        print(f"  {count} partners: {cached:.2f} ms")


_bare_pool = None


def bare_fanout(base_urls: list[str], code: str) -> None:
    """The same GETs, concurrently, with nothing of ours: no limits, log, mapping or merge."""
    global _bare_pool
    import urllib3

    from partners.sandbox.onboarding import SANDBOX_CREDENTIALS

    _bare_pool = _bare_pool or urllib3.PoolManager(maxsize=10)
    key = SANDBOX_CREDENTIALS["threadline"]["api_key"]

    def get(url: str) -> None:  # the body is read whole (preload_content)
        _bare_pool.request(
            "GET", f"{url}/v1/products/by-barcode/{code}", headers={"X-Api-Key": key}
        )

    with ThreadPoolExecutor(max_workers=len(base_urls)) as pool:
        list(pool.map(get, base_urls))


@contextmanager
def timed_calls(spans: dict[str, list[tuple[float, float]]]):
    """Record (start, end) of every HTTP send and response-mapping evaluation, by kind."""
    from partners.http.client import PartnerHttpClient
    from partners.mapping.engine import CompiledMapping

    originals = {"http": PartnerHttpClient.send, "mapping": CompiledMapping.evaluate}

    def timing(kind):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return originals[kind](*args, **kwargs)
            finally:
                spans[kind].append((started, time.perf_counter()))

        return wrapper

    PartnerHttpClient.send = timing("http")
    CompiledMapping.evaluate = timing("mapping")
    try:
        yield
    finally:
        PartnerHttpClient.send = originals["http"]
        CompiledMapping.evaluate = originals["mapping"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux), 0 when it has gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def where_the_time_goes(
    lookup, count: int, rounds: int, evaluator_pids: list[int], server_pid: int
) -> None:
    """Medians over `rounds` lookups of `count` partners, in ms from the lookup's start: when
    the last partner call started (threads, live version, adapter), when the last answer was
    in (its mapping started), when the lookup returned; per call, HTTP beyond the partner's
    200 ms and the mapping; CPU per lookup in each process."""
    rows = []
    cpu_before = time.process_time()
    evaluators_before = sum(cpu_seconds(pid) for pid in evaluator_pids)
    server_before = cpu_seconds(server_pid)
    for _ in range(rounds):
        spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
        with timed_calls(spans):
            started = time.perf_counter()
            lookup(count)
            ended = time.perf_counter()
        rows.append(
            {
                "last call started": max(s for s, _ in spans["http"]) - started,
                "last answer in": max(s for s, _ in spans["mapping"]) - started,
                "lookup returned": ended - started,
                "http": statistics.median(e - s for s, e in spans["http"]) - LATENCY_MS / 1000,
                "mapping": statistics.median(e - s for s, e in spans["mapping"]),
            }
        )
    ours = (time.process_time() - cpu_before) * 1000 / rounds
    evaluators = (sum(cpu_seconds(pid) for pid in evaluator_pids) - evaluators_before) * 1000
    server = (cpu_seconds(server_pid) - server_before) * 1000 / rounds

    def median(key: str) -> float:
        return statistics.median(row[key] for row in rows) * 1000

    print(
        f"  {count:>2} partners: last call started at {median('last call started'):5.1f}, "
        f"last answer in at {median('last answer in'):5.1f}, returned at "
        f"{median('lookup returned'):5.1f} ms; per call HTTP beyond {LATENCY_MS} ms "
        f"{median('http'):4.1f} ms, mapping {median('mapping'):4.1f} ms; CPU per lookup: this "
        f"process {ours:5.1f} ms, evaluators {evaluators / rounds:5.1f} ms, partners' server "
        f"{server:4.1f} ms"
    )


def throughput(lookup, seconds: float) -> None:
    print(f"Lookups per second with 5 partners, one process, cache bypassed ({seconds:g} s each):")
    for threads in (1, 4, 8):
        done = []
        stop = threading.Event()

        def client(done=done, stop=stop):
            while not stop.is_set():
                lookup()
                done.append(1)

        cpu_before, started = time.process_time(), time.perf_counter()
        workers = [threading.Thread(target=client) for _ in range(threads)]
        for worker in workers:
            worker.start()
        time.sleep(seconds)
        stop.set()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - started
        busy = (time.process_time() - cpu_before) / elapsed
        print(
            f"  {threads} thread(s): {len(done) / elapsed:5.1f} lookups/s "
            f"({len(done) * 5 / elapsed:5.0f} partner calls/s), this process "
            f"{busy * 100:3.0f} % of a CPU"
        )


if __name__ == "__main__":
    main()
