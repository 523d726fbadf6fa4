"""The catalogue's lookup fan-out against partners that each answer after 200 ms.

    python -m bench.catalog_fanout [--rounds 15] [--seconds 10] [--evaluators N]

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
setting's, at most 4 and no more than the cores).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from bench import bench_environment, median_ms

PARTNERS = 10
LATENCY_MS = 200
COLOURS, SIZES = 4, 5  # 20 variants
BENCH_PRODUCT_NUMBER = "TL-99999"
REPO = Path(__file__).resolve().parent.parent


# --- The partners' process ----------------------------------------------------------------------


def bench_catalog():
    """The default catalogue (which onboarding proves partners with) and one product of 20
    variants that Threadline sells."""
    from partners.mapping.gtin import gtin_check_digit
    from partners.sandbox.catalog import Catalog, Offer, OfferVariant, PartnerName, catalog_default
    from partners.sandbox.catalog import Product as SandboxProduct
    from partners.sandbox.catalog import Variant as SandboxVariant
    from partners.sandbox.catalog_data import COLOURS as COLOUR_TABLE
    from partners.sandbox.catalog_data import FOOTWEAR_SIZES, Category

    default = catalog_default()
    variants = []
    for position in range(COLOURS * SIZES):
        body = f"59{900000000 + position:010d}"
        variants.append(
            SandboxVariant(
                gtin=f"{body}{gtin_check_digit(body)}",
                size=FOOTWEAR_SIZES[position % SIZES],
                colour=COLOUR_TABLE[Category.FOOTWEAR][position // SIZES],
            )
        )
    product = SandboxProduct(
        number="EA-BENCH",
        name="Benchmark Trail Runner",
        brand="Benchmark",
        description="A trainer in four colours and five sizes.",
        category=Category.FOOTWEAR,
        variants=tuple(variants),
    )
    offer = Offer(
        partner=PartnerName.THREADLINE,
        product=product,
        product_number=BENCH_PRODUCT_NUMBER,
        cost=Decimal("42.00"),
        rrp=Decimal("95.00"),
        lead_time_days=2,
        variants=tuple(
            OfferVariant(sku=f"{BENCH_PRODUCT_NUMBER}-{n:02d}", variant=variant, stock=10)
            for n, variant in enumerate(variants)
        ),
    )
    return Catalog(products=(*default.products, product), offers=(*default.offers, offer))


def serve(count: int) -> None:
    """In the partners' process: serve `count` Threadline sandboxes, print their base URLs as
    one JSON line, and stop when standard input closes (the benchmark ended)."""
    from partners.sandbox.threadline import ThreadlineSandbox

    catalog = bench_catalog()
    partners = [ThreadlineSandbox(catalog=catalog).start() for _ in range(count)]
    print(json.dumps([partner.base_url for partner in partners]), flush=True)
    sys.stdin.read()
    for partner in partners:
        partner.stop()


# --- The benchmark ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--evaluators", type=int, default=0)
    parser.add_argument("--serve", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return

    server = subprocess.Popen(  # noqa: S603 - this script, in the partners' role
        [sys.executable, "-m", "bench.catalog_fanout", "--serve", str(PARTNERS)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        base_urls = json.loads(server.stdout.readline())
        run(args, base_urls, server.pid)
    finally:
        server.stdin.close()
        server.wait(30)


def run(args, base_urls: list[str], server_pid: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    os.environ.update(bench_environment(workdir))
    os.environ["PARTNER_HOST_ALLOWLIST"] = ",".join(urlsplit(url).netloc for url in base_urls)
    if args.evaluators:
        os.environ["MAPPING_EVALUATOR_PROCESSES"] = str(args.evaluators)
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from catalog.lookup import catalog_lookup
    from partners.mapping.evaluator_pool import evaluator_pool

    call_command("migrate", verbosity=0)
    partners = onboard(base_urls)
    for url in base_urls:
        control(url, "latency", {"ms": LATENCY_MS})
    code = bench_catalog().offers[-1].variants[0].variant.gtin

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


def onboard(base_urls: list[str]):
    """Each server onboarded as a partner of its own from Threadline's configuration file,
    proved over HTTP and taken live, as a merchandiser would."""
    from partners.models import Partner
    from partners.sandbox.catalog import PartnerName
    from partners.sandbox.onboarding import (
        sandbox_config,
        sandbox_partner_import,
        sandbox_partner_prove,
    )
    from partners.services import partner_status_change

    partners = []
    for number, url in enumerate(base_urls, start=1):
        data = sandbox_config(PartnerName.THREADLINE)
        data["partner"].update(slug=f"bench-{number:02d}", name=f"Bench {number:02d}")
        data["partner"]["priority"] = number
        partner = sandbox_partner_import(PartnerName.THREADLINE, url, data)
        partner = partner_status_change(partner=partner, status=Partner.Status.TESTING)
        sandbox_partner_prove(partner, PartnerName.THREADLINE)
        partners.append(partner_status_change(partner=partner, status=Partner.Status.LIVE))
    return partners


def control(base_url: str, action: str, payload: dict) -> None:
    request = urllib.request.Request(  # noqa: S310 - the sandbox on loopback
        f"{base_url}/_sandbox/{action}",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        response.read()


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
