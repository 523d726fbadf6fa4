"""Sandbox partners for the catalogue benchmarks, served by ANOTHER process so a benchmark does
not time the servers' own work, and onboarded from Threadline's configuration file.

    with partners_served(10) as (base_urls, server_pid):
        django_ready(base_urls, workdir)
        partners = onboard(base_urls)

Each server is a Threadline sandbox selling the default catalogue plus one benchmark product
per entry of VARIANT_COUNTS (20 and 5 variants), whose first GTIN `bench_gtin` gives.
"""

import json
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from bench import django_migrated, module_served

SIZES = 5
VARIANT_COUNTS = (20, 5)  # 4 colours by 5 sizes, and 1 colour by 5 sizes


def _gtin(product_index: int, position: int) -> str:
    from partners.mapping.gtin import gtin_check_digit

    body = f"59{900000000 + product_index * 1000 + position:010d}"
    return f"{body}{gtin_check_digit(body)}"


def bench_gtin(variants: int) -> str:
    """The GTIN-13 of the first variant of the benchmark product with `variants` variants."""
    return _gtin(VARIANT_COUNTS.index(variants), 0)


def bench_catalog():
    """The default catalogue (which onboarding proves partners with) and the benchmark
    products, which Threadline sells."""
    from partners.sandbox.catalog import Catalog, Offer, OfferVariant, PartnerName, catalog_default
    from partners.sandbox.catalog import Product as SandboxProduct
    from partners.sandbox.catalog import Variant as SandboxVariant
    from partners.sandbox.catalog_data import COLOURS as COLOUR_TABLE
    from partners.sandbox.catalog_data import FOOTWEAR_SIZES, Category

    default = catalog_default()
    products, offers = [], []
    for index, count in enumerate(VARIANT_COUNTS):
        variants = tuple(
            SandboxVariant(
                gtin=_gtin(index, position),
                size=FOOTWEAR_SIZES[position % SIZES],
                colour=COLOUR_TABLE[Category.FOOTWEAR][position // SIZES],
            )
            for position in range(count)
        )
        product = SandboxProduct(
            number=f"EA-BENCH-{count}",
            name=f"Benchmark Trail Runner {count}",
            brand="Benchmark",
            description=f"A trainer in {count} variants.",
            category=Category.FOOTWEAR,
            variants=variants,
        )
        number = f"TL-999{count:02d}"
        products.append(product)
        offers.append(
            Offer(
                partner=PartnerName.THREADLINE,
                product=product,
                product_number=number,
                cost=Decimal("42.00"),
                rrp=Decimal("95.00"),
                lead_time_days=2,
                variants=tuple(
                    OfferVariant(sku=f"{number}-{n:02d}", variant=variant, stock=10)
                    for n, variant in enumerate(variants)
                ),
            )
        )
    return Catalog(products=(*default.products, *products), offers=(*default.offers, *offers))


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


@contextmanager
def partners_served(count: int) -> Iterator[tuple[list[str], int]]:
    """`count` sandboxes in a process of their own: their base URLs and that process's id."""
    with module_served("bench.sandbox_partners", str(count)) as (server, base_urls):
        yield base_urls, server.pid


def django_ready(
    base_urls: list[str],
    workdir: Path,
    *,
    evaluators: int = 0,
    database_url: str = "",
    settings: dict[str, str] | None = None,
) -> None:
    """Django set up on a new SQLite database in `workdir` (or on `database_url`, emptied and
    migrated), with the SSRF guard letting the sandboxes through. `evaluators` sets
    MAPPING_EVALUATOR_PROCESSES when not 0; `settings` are more environment settings."""
    environment = {
        "PARTNER_HOST_ALLOWLIST": ",".join(urlsplit(url).netloc for url in base_urls),
        **({"MAPPING_EVALUATOR_PROCESSES": str(evaluators)} if evaluators else {}),
        **(settings or {}),
    }
    django_migrated(workdir, database_url=database_url, settings=environment)


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
    """Tell a sandbox what to do (`latency`, `faults`, ...) through its control endpoint."""
    request = urllib.request.Request(  # noqa: S310 - the sandbox on loopback
        f"{base_url}/_sandbox/{action}",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        response.read()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
