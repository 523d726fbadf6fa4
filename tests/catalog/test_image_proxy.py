"""Product images are served from our origin: pages never point the browser at a partner, and
what a partner's image host sends back is bounded and checked before it is shown."""

import re
import struct
import zlib

import pytest
from django.urls import reverse

from catalog import image_proxy
from catalog.image_proxy import CONTENT_SECURITY_POLICY, image_token
from partners.sandbox.catalog import PartnerName
from stores.roles import Role
from tests.catalog.conftest import gtin_carried_by, page_of, partner_calls
from tests.partners.http.local_server import Reply


def png() -> bytes:
    """A real PNG of one pixel."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture
def browsing(client, associate):
    client.force_login(associate)
    return client


def shown(client, url: str):
    return client.get(reverse("catalog:image", args=[image_token(url)]))


@partner_calls
def test_the_product_page_shows_partner_images_from_our_origin(
    client, user_in_role, priced, sandbox
):
    client.force_login(user_in_role(Role.KIOSK))  # kiosks see pictures too
    gtin = gtin_carried_by(sandbox, PartnerName.THREADLINE)

    page = page_of(client, gtin)

    sources = re.findall(r'<img src="([^"]+)"', page)
    assert sources
    ours = reverse("catalog:image", args=["token"]).removesuffix("token")
    assert all(source.startswith(ours) for source in sources)
    assert not any(partner.base_url in page for partner in sandbox)
    picture = client.get(sources[0])
    assert picture.status_code == 200
    assert picture["Content-Type"] == "image/svg+xml"  # the sandbox draws its pictures in SVG
    # Sandboxed: a script in an SVG never runs, even when the picture is opened on its own.
    assert picture["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert picture["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_an_image_is_fetched_once_and_known_by_its_bytes(browsing, serve, allow):
    server = serve(lambda request: Reply(200, {"Content-Type": "text/plain"}, png()))
    allow(server.base_url)

    first = shown(browsing, f"{server.base_url}/shoe.png?key=secret")
    second = shown(browsing, f"{server.base_url}/shoe.png?key=secret")

    assert first.status_code == second.status_code == 200
    assert first["Content-Type"] == "image/png"  # what it is, not what the host said
    assert second.content == png()
    assert len(server.received) == 1  # the second came from the cache
    assert server.received[0].headers["Cookie"] is None
    assert "private" in first["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "reply",
    [
        Reply(200, {"Content-Type": "text/html"}, b"<html><script>alert(1)</script></html>"),
        Reply(200, {"Content-Type": "image/png"}, b"not a picture at all"),
        Reply(200, {"Content-Type": "image/png"}, png() + b"\0" * image_proxy.MAX_BYTES),
        Reply(200, {"Content-Type": "image/png"}, iter([png(), b"\0" * image_proxy.MAX_BYTES])),
        Reply(404, {"Content-Type": "image/png"}, png()),
    ],
    ids=["html", "not-an-image", "too-large", "too-large-without-length", "not-found"],
)
def test_what_is_not_a_picture_we_show_is_no_image(browsing, serve, allow, reply):
    server = serve(lambda request: reply)
    allow(server.base_url)

    assert shown(browsing, f"{server.base_url}/x").status_code == 404
    assert shown(browsing, f"{server.base_url}/x").status_code == 404
    assert len(server.received) == 1  # a failure is remembered for a while


@pytest.mark.django_db
def test_redirects_are_followed_a_few_times_each_checked(browsing, serve, allow):
    target = serve(lambda request: Reply(200, {}, png()))
    allow(target.base_url)
    hop = serve(lambda request: Reply(302, {"Location": f"{target.base_url}/p.png"}, b""))
    allow(hop.base_url)
    loop = serve(lambda request: Reply(302, {"Location": "/again"}, b""))
    allow(loop.base_url)
    # A picture on loopback that is not allow-listed: without the guard it would be shown.
    internal = serve(lambda request: Reply(200, {}, png()))
    outside = serve(lambda request: Reply(302, {"Location": f"{internal.base_url}/p.png"}, b""))
    allow(outside.base_url)

    assert shown(browsing, f"{hop.base_url}/p.png").status_code == 200
    assert shown(browsing, f"{loop.base_url}/p.png").status_code == 404
    assert len(loop.received) == image_proxy.MAX_REDIRECTS + 1
    assert shown(browsing, f"{outside.base_url}/p.png").status_code == 404
    assert internal.received == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/p.png",
        "http://127.0.0.1:9/p.png",
        "http://[::ffff:127.0.0.1]/p.png",
        "http://partner.example:99999/p.png",
        "http://user:secret@partner.example/p.png",
        "file:///etc/passwd",
        "gopher://x/",
    ],
)
def test_the_ssrf_guard_stands_between_a_url_and_the_network(browsing, allow, url):
    allow("http://partner.example")  # the allow-list holds something else

    assert shown(browsing, url).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "2130706433", "user:secret@127.0.0.1"])
def test_a_picture_on_an_internal_address_is_never_fetched(browsing, serve, allow, host):
    internal = serve(lambda request: Reply(200, {}, png()))  # would be shown without the guard
    allow("http://partner.example")  # the allow-list holds something else
    port = internal.base_url.rsplit(":", 1)[1]

    assert shown(browsing, f"http://{host}:{port}/p.png").status_code == 404
    assert internal.received == []


@pytest.mark.django_db
def test_only_urls_our_pages_showed_are_fetched(browsing, serve, allow):
    server = serve(lambda request: Reply(200, {}, png()))
    allow(server.base_url)
    token = image_token(f"{server.base_url}/p.png")
    forged = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")

    assert browsing.get(reverse("catalog:image", args=[forged])).status_code == 404
    assert server.received == []
