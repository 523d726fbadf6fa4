"""What one partner lookup costs on top of the bare HTTP round trip, per sandbox partner.

    python -m bench.partner_lookup [--calls 200]

For each sandbox partner: the median time of `adapter.lookup()` (SSRF guard, auth, HTTP,
call-log row, JSONata response mapping, shape validation) against a bare urllib3 GET of the same
URL with the same credentials on a warm connection. Prints medians and the ratio; asserts nothing.
"""

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit


def _median_ms(function, calls: int) -> float:
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-lookup-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "endless_aisle.settings.base"
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    import urllib3
    from django.conf import settings
    from django.core.management import call_command

    from partners.adapters.registry import adapter_for
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
    print(f"{args.calls} lookups of one barcode per partner, median, sandbox on loopback")
    for slug in bare_requests:
        partner = partners[slug]
        base = sandbox.by_name(slug).base_url
        adapter = adapter_for(partner)
        adapter.lookup(gtin)  # warm: connection pool, OAuth2 token, compiled mappings
        ours = _median_ms(lambda adapter=adapter: adapter.lookup(gtin), args.calls)
        bare = _median_ms(lambda slug=slug, base=base: bare_requests[slug](base), args.calls)
        ratio = ours / bare
        print(f"  {slug:<11} adapter {ours:6.2f} ms   bare GET {bare:6.2f} ms   {ratio:5.2f}x")
    sandbox.stop()


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
