"""Product images served from our own origin, never loaded by the browser from a partner.

A product's image URLs come from partners' answers (untrusted) and from the catalogue. Pointing
the browser at them would tell whoever hosts them which store looked at what and when, an
`http://` image would be blocked on our https pages (mixed content), and nothing would bound
what comes back. So pages link to `catalog:image`, whose token is the URL signed with our
secret key (`image_token`): the server fetches only URLs our own pages showed, so it is not an
open proxy. The fetch (`image_fetch`):
- goes through the partners' SSRF guard (resolved once, checked, the address pinned; each
  redirect, at most the HTTP client's MAX_REDIRECTS, checked again), with no credentials and
  no cookies;
- ends within FETCH_SECONDS in all (the HTTP client's watchdog cuts a trickling answer off)
  and reads at most MAX_BYTES;
- keeps only JPEG, PNG, GIF, WebP and AVIF, known by their first bytes whatever the answer's
  Content-Type says, and SVG when it says image/svg+xml and is XML. Every image is served with
  a Content-Security-Policy that sandboxes it, so a script in an SVG never runs, even opened on
  its own;
- is kept in Django's cache for CACHE_SECONDS, and a failure for FAILURE_CACHE_SECONDS, so a
  page seen often fetches its images once and a broken image is not asked for on every view.
An image that cannot be shown is a 404: the page's `<img>` shows its alternative text.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from urllib.parse import urljoin

import certifi
import urllib3
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from urllib3.util import Timeout

from partners.http.client import MAX_REDIRECTS, READ_CHUNK_BYTES, REDIRECT_STATUSES, USER_AGENT
from partners.http.ssrf import DestinationRefused, destination_for
from partners.http.transport import AttemptGuard, guarded_pool_manager, pinned_pool

logger = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
FETCH_SECONDS = 3.0
CACHE_SECONDS = 60 * 60
FAILURE_CACHE_SECONDS = 60
SIGNING_SALT = "catalog.image-proxy"
CACHE_PREFIX = "catalog:image:1:"
SVG = "image/svg+xml"
# What the browser may do with an image we serve: show it, nothing more.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

_RASTER_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


class ImageUnavailable(Exception):
    """Why an image cannot be shown; the message names no URL (it may carry a partner's key)."""


@dataclass(frozen=True)
class Image:
    content_type: str
    body: bytes


def image_token(url: str) -> str:
    """The signed token `catalog:image` takes for `url`."""
    return signing.dumps(url, salt=SIGNING_SALT, compress=True)


def image_url_of(token: str) -> str:
    """The URL a token was made for; signing.BadSignature for any other token."""
    url = signing.loads(token, salt=SIGNING_SALT)
    if not isinstance(url, str):
        raise signing.BadSignature("not an image token")
    return url


def image_fetch(url: str) -> Image:
    """The image at `url`, from the cache or fetched; ImageUnavailable when it cannot be
    shown (the failure is remembered for FAILURE_CACHE_SECONDS)."""
    key = CACHE_PREFIX + hashlib.sha256(url.encode()).hexdigest()
    kept = cache.get(key)
    if isinstance(kept, Image):
        return kept
    if isinstance(kept, str):
        raise ImageUnavailable(kept)
    try:
        image = _download(url)
    except ImageUnavailable as unavailable:
        logger.info("an image could not be shown: %s", unavailable)
        cache.set(key, str(unavailable), FAILURE_CACHE_SECONDS)
        raise
    cache.set(key, image, CACHE_SECONDS)
    return image


_pools = guarded_pool_manager(ca_certs=certifi.where())


def _download(url: str) -> Image:
    deadline = time.monotonic() + FETCH_SECONDS
    for _ in range(MAX_REDIRECTS + 1):
        with AttemptGuard(deadline) as guard:
            response = _get(url, guard)
            try:
                if response.status in REDIRECT_STATUSES:
                    location = response.headers.get("Location")
                    if not location:
                        raise ImageUnavailable("a redirect without a Location")
                    url = urljoin(url, location)
                    continue
                if response.status != 200:
                    raise ImageUnavailable(f"HTTP {response.status}")
                body = _read_capped(response, guard)
            finally:
                response.close()
                response.release_conn()
        return Image(_content_type(body, response.headers.get("Content-Type", "")), body)
    raise ImageUnavailable(f"more than {MAX_REDIRECTS} redirects")


def _get(url: str, guard: AttemptGuard) -> urllib3.BaseHTTPResponse:
    remaining = guard.remaining()
    if remaining <= 0:
        raise ImageUnavailable(f"no answer within {FETCH_SECONDS:g} s")
    try:
        destination = destination_for(
            url, settings.PARTNER_HOST_ALLOWLIST, resolve_timeout=remaining
        )
        return pinned_pool(_pools, destination).urlopen(
            "GET",
            destination.target,
            headers={
                "Host": destination.host_header,
                "User-Agent": USER_AGENT,
                "Accept": "image/avif,image/webp,image/png,image/jpeg,image/gif,image/svg+xml",
            },
            retries=False,
            redirect=False,
            assert_same_host=False,
            timeout=Timeout(connect=remaining, read=remaining),
            preload_content=False,
        )
    except DestinationRefused as refusal:
        raise ImageUnavailable(f"refused by the SSRF guard: {refusal}") from None
    except (OSError, urllib3.exceptions.HTTPError) as error:  # gaierror, ResolveTimeout
        raise ImageUnavailable(f"could not be fetched ({type(error).__name__})") from None


def _read_capped(response: urllib3.BaseHTTPResponse, guard: AttemptGuard) -> bytes:
    received = bytearray()
    try:
        while chunk := response.read1(READ_CHUNK_BYTES):
            received += chunk
            if len(received) > MAX_BYTES:
                raise ImageUnavailable(f"over {MAX_BYTES // 1024} KB")
            if guard.expired:
                break
    except urllib3.exceptions.HTTPError as error:
        raise ImageUnavailable(f"the answer broke off ({type(error).__name__})") from None
    if guard.expired:
        raise ImageUnavailable(f"no whole answer within {FETCH_SECONDS:g} s")
    return bytes(received)


def _content_type(body: bytes, declared: str) -> str:
    for signature, content_type in _RASTER_SIGNATURES:
        if body.startswith(signature):
            return content_type
    if body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return "image/webp"
    if body[4:12] in (b"ftypavif", b"ftypavis"):
        return "image/avif"
    if declared.split(";")[0].strip().lower() == SVG and body.lstrip().startswith(b"<"):
        return SVG
    raise ImageUnavailable(f"not an image we show (declared {declared[:60]!r})")
