"""What one partner lookup costs on top of the bare HTTP round trip, per sandbox partner.

    python -m bench.partner_lookup [--calls 200] [--database-url URL]
        [--limits database|redis] [--redis-url URL]

For each sandbox partner: the median time of `adapter.lookup()` (SSRF guard, auth, shared
concurrency slot and circuit breaker, HTTP, call-log row, JSONata response mapping, shape
validation) against a bare urllib3 GET of the same URL with the same credentials on a warm
connection, and the database statements one lookup runs. Then the shared limits alone: the
median of taking and giving back a slot with a closed circuit. Prints medians and the ratio;
asserts nothing. The database defaults to a new SQLite file; a URL given must be one this
script may migrate (PostgreSQL: an empty database of its own).
"""

import argparse
import os
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench import bench_environment, median_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--limits", choices=["database", "redis"], default="database")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-lookup-"))
    os.environ.update(bench_environment(workdir))
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ["PARTNER_LIMITS_BACKEND"] = args.limits
    if args.limits == "redis":
        os.environ["PARTNER_LIMITS_REDIS_URL"] = args.redis_url
        os.environ["PARTNER_LIMITS_REDIS_PREFIX"] = f"bench-lookup:{os.getpid()}:"
    import django

    django.setup()
    import urllib3
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from partners.adapters.registry import live_adapter_for
    from partners.sandbox.catalog import RANGE_PARTNERS, catalog_default
    from partners.sandbox.onboarding import SANDBOX_CREDENTIALS, sandbox_partners_onboard
    from partners.sandbox.servers import sandbox_partners_start

    call_command("migrate", verbosity=0)
    sandbox = sandbox_partners_start()
    settings.PARTNER_HOST_ALLOWLIST = [urlsplit(partner.base_url).netloc for partner in sandbox]
    partners = {
        partner.slug: partner
        for partner in sandbox_partners_onboard({p.name: p.base_url for p in sandbox})
    }
    # The partners with a product range; Baywater answers availability only.
    ranged = [sandbox.by_name(name) for name in RANGE_PARTNERS]
    gtin = next(
        variant.gtin
        for product in catalog_default().products
        for variant in product.variants
        if all(partner.catalog.by_gtin(variant.gtin) for partner in ranged)
    )
    pool = urllib3.PoolManager()
    bare_requests = {
        "threadline": lambda base: pool.request(
            "GET",
            f"{base}/v1/products/by-barcode/{gtin}",
            headers={"X-Api-Key": SANDBOX_CREDENTIALS["threadline"]["api_key"]},
        ),
        "stridewell": lambda base: pool.request(
            "GET",
            f"{base}/api/v2/skus?barcode={gtin}",
            headers={"Authorization": f"Bearer {_stridewell_token(pool, base)}"},
        ),
        "hearth": lambda base: pool.request(
            "GET",
            f"{base}/api/items/by-ean/{gtin}",
            headers=urllib3.make_headers(
                basic_auth="{username}:{password}".format(**SANDBOX_CREDENTIALS["hearth"])
            ),
        ),
    }
    print(
        f"{args.calls} lookups of one barcode per partner, median, sandbox on loopback, "
        f"{connection.vendor}, limits in {args.limits}"
    )
    for slug in bare_requests:
        partner = partners[slug]
        base = sandbox.by_name(slug).base_url
        adapter = live_adapter_for(partner)  # as the catalogue asks a live partner
        adapter.lookup(gtin)  # warm: connection pool, OAuth2 token, compiled mappings
        with CaptureQueriesContext(connection) as queries:
            adapter.lookup(gtin)
        ours = median_ms(lambda adapter=adapter: adapter.lookup(gtin), args.calls)
        bare = median_ms(lambda slug=slug, base=base: bare_requests[slug](base), args.calls)
        ratio = ours / bare
        print(
            f"  {slug:<11} adapter {ours:6.2f} ms   bare GET {bare:6.2f} ms   {ratio:5.2f}x"
            f"   {len(queries)} statements"
        )
    _limits_alone(partners["threadline"], args.calls)
    sandbox.stop()


def _limits_alone(partner, calls: int) -> None:
    """A slot taken and given back, the circuit closed: what every call pays for the limits."""
    from partners.http.connection import connection_for
    from partners.http.limits import partner_limits_build

    limits = partner_limits_build()
    connection = connection_for(partner)

    def cycle() -> None:
        with limits.admit(connection, deadline=time.monotonic() + 5) as permit:
            permit.succeeded()

    cycle()
    print(f"  shared limits alone: {median_ms(cycle, calls):.3f} ms per call (slot + circuit)")


_tokens: dict[str, str] = {}


def _stridewell_token(pool, base: str) -> str:
    """One token for the whole run, as our client caches it (not part of the timing's point)."""
    if base not in _tokens:
        from partners.sandbox.onboarding import SANDBOX_CREDENTIALS

        credentials = SANDBOX_CREDENTIALS["stridewell"]
        answer = pool.request(
            "POST",
            f"{base}/oauth/token",
            fields={"grant_type": "client_credentials", **credentials},
            encode_multipart=False,
        )
        _tokens[base] = answer.json()["access_token"]
    return _tokens[base]


if __name__ == "__main__":
    main()
