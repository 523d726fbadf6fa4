"""The product page's server time, through Django's request handling.

    python -m bench.catalog_pages [--requests 200] [--rounds 15]

Ten Threadline sandboxes served by ANOTHER process (`bench.sandbox_partners`), onboarded from
Threadline's configuration file, each answering after 200 ms; the demo's stores, staff and
prices; the demo associate logged in. Each request goes through `django.test.Client` in this
process: middleware, session, login, the view, the lookup, pricing, the template. No WSGI
server, no network between browser and server: what is timed is the server's own work.
Prints:

1. the product page of a GTIN whose partners' answers are cached, with 5 partners and a
   20-variant product: median and p95 of `--requests` requests, for the whole page and for
   the part an htmx variant pick loads; and where the whole page's time goes (the lookup
   answered from the cache, the rest of `product_page`, the template, everything else);
2. for 1, 5 and 10 live partners and products of 5 and 20 variants: the page with the answers
   cached (so no partner latency at all) and its SQL queries; the page with a fresh fan-out
   (`?refresh=1`, median of `--rounds`) less the partners' 200 ms, and its queries in the
   request's thread (they include the call log's one INSERT; the lookup's worker threads lease
   their partners' slots on connections of their own, which are not counted).
Prints figures; asserts nothing about them. It stops if a page is not what it should measure
(not 200, or not one offer per live partner).
"""

import argparse
import re
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import p95, timings_ms
from bench.sandbox_partners import (
    bench_gtin,
    control,
    django_ready,
    onboard,
    partners_served,
)

PARTNERS = 10
LATENCY_MS = 200
OFFER = re.compile(r'data-testid="offer-[a-z0-9-]+"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with partners_served(PARTNERS) as (base_urls, _server_pid):
        run(args, base_urls)


def run(args, base_urls: list[str]) -> None:
    django_ready(base_urls, Path(tempfile.mkdtemp(prefix="bench-pages-")))
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from catalog.sandbox.demo_catalogue import demo_catalogue_seed
    from stores.demo import demo_stores_and_staff_seed

    partners = onboard(base_urls)
    for url in base_urls:
        control(url, "latency", {"ms": LATENCY_MS})
    demo_stores_and_staff_seed(password=settings.DEMO_PASSWORD)
    demo_catalogue_seed()
    client = Client(SERVER_NAME="localhost")
    client.force_login(get_user_model().objects.get(username="associate"))
    page = PageRequests(client)

    live(partners, 5)
    gtin = bench_gtin(20)
    picked = second_variant(gtin)
    page.get(gtin, expect_offers=5)  # answers cached, evaluators and templates warm
    page.get(gtin, expect_offers=5, variant=picked, htmx=True)
    print(
        f"{PARTNERS} sandbox partners in another process, each answering after {LATENCY_MS} ms; "
        "the demo associate logged in; requests through django.test.Client in this process"
    )
    print(
        f"The product page with the partners' answers cached, 5 partners, 20 variants "
        f"({args.requests} requests each):"
    )
    for label, request in (
        ("whole page", lambda: page.get(gtin)),
        ("htmx variant pick", lambda: page.get(gtin, variant=picked, htmx=True)),
    ):
        samples = timings_ms(request, args.requests)
        print(
            f"  {label:<18} median {statistics.median(samples):5.2f} ms, p95 {p95(samples):5.2f} ms"
        )
    where_the_time_goes(lambda: page.get(gtin), args.requests)

    print(
        "Server time by live partners and variants: answers cached (no partner latency), "
        f"median of {args.requests}; a fresh fan-out (?refresh=1) less {LATENCY_MS} ms, "
        f"median of {args.rounds}; SQL queries in the request's thread"
    )
    print("partners  variants  cached     p95        queries  fresh-200ms  queries")
    for count in (1, 5, 10):
        live(partners, count)
        for variants in (5, 20):
            code = bench_gtin(variants)
            page.get(code, expect_offers=count, refresh=True)  # this partner set's answers
            cached = timings_ms(lambda code=code: page.get(code), args.requests)
            fresh = timings_ms(lambda code=code: page.get(code, refresh=True), args.rounds)
            cached_queries = page.queries(code, expect_offers=count)
            fresh_queries = page.queries(code, expect_offers=count, refresh=True)
            print(
                f"{count:>8}  {variants:>8}  {statistics.median(cached):6.2f} ms  "
                f"{p95(cached):6.2f} ms  {cached_queries:>7}  "
                f"{statistics.median(fresh) - LATENCY_MS:8.1f} ms  {fresh_queries:>7}"
            )


class PageRequests:
    """GETs of the product page through the client, checked to be the page we mean to time."""

    def __init__(self, client) -> None:
        self.client = client

    def get(
        self,
        gtin: str,
        *,
        expect_offers: int | None = None,
        variant: str | None = None,
        htmx: bool = False,
        refresh: bool = False,
    ) -> None:
        from django.urls import reverse

        query = {"variant": variant} if variant else {}
        if refresh:
            query["refresh"] = "1"
        response = self.client.get(
            reverse("catalog:product", args=[gtin.zfill(14)]),
            query,
            headers={"HX-Request": "true"} if htmx else {},
        )
        if response.status_code != 200:
            raise RuntimeError(f"The product page answered {response.status_code}.")
        if expect_offers is not None:
            offers = len(OFFER.findall(response.content.decode()))
            if offers != expect_offers:
                raise RuntimeError(f"The page shows {offers} offers, not {expect_offers}.")

    def queries(self, gtin: str, **options) -> int:
        """The SQL queries of one request, in the request's thread."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            self.get(gtin, **options)
        return len(captured.captured_queries)


def live(partners: list, count: int) -> None:
    """The first `count` partners live, the others paused, as a merchandiser would set them."""
    from partners.models import Partner
    from partners.services import partner_status_change

    for position, partner in enumerate(partners):
        wanted = Partner.Status.LIVE if position < count else Partner.Status.PAUSED
        partner.refresh_from_db()
        if partner.status != wanted:
            partner_status_change(partner=partner, status=wanted)


def second_variant(gtin: str) -> str:
    """The GTIN-14 of another variant of the product of `gtin`, as the picker links to it."""
    from bench.sandbox_partners import bench_catalog

    product = next(
        product
        for product in bench_catalog().products
        if any(variant.gtin == gtin for variant in product.variants)
    )
    return product.variants[1].gtin.zfill(14)


@contextmanager
def timed(spans: dict[str, list[float]]) -> Iterator[None]:
    """Record how long the lookup, `product_page` and the template take, per request."""
    from catalog import product_view, views

    originals = {
        "lookup": (product_view, "catalog_lookup", product_view.catalog_lookup),
        "page": (views, "product_page", views.product_page),
        "template": (views, "render", views.render),
    }

    def timing(kind: str, function: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spans[kind].append((time.perf_counter() - started) * 1000)

        return wrapper

    for kind, (module, name, function) in originals.items():
        setattr(module, name, timing(kind, function))
    try:
        yield
    finally:
        for module, name, function in originals.values():
            setattr(module, name, function)


def where_the_time_goes(request: Callable[[], None], count: int) -> None:
    spans: dict[str, list[float]] = defaultdict(list)
    with timed(spans):
        spans["request"] = timings_ms(request, count)
    lookup = statistics.median(spans["lookup"])
    page = statistics.median(spans["page"])
    template = statistics.median(spans["template"])
    whole = statistics.median(spans["request"])
    print(
        f"  where the whole page's time goes (medians): lookup from the cache {lookup:5.2f} ms, "
        f"the rest of product_page {page - lookup:5.2f} ms, template {template:5.2f} ms, "
        f"the rest (middleware, session, login, client) {whole - page - template:5.2f} ms"
    )


if __name__ == "__main__":
    main()
