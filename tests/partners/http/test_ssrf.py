"""The SSRF guard refuses internal destinations before connecting, pins the address it
checked, re-checks redirects and never forwards credentials to another origin.

Every test here runs under the `outbound_connections` tripwire (conftest): a connection to
anything but loopback fails the attempt and is recorded, so "nothing was connected to" is
asserted, not assumed.
"""

import socket

import pytest

from partners.http.errors import PartnerBadResponse, UnsafeDestination
from partners.http.ssrf import DestinationRefused, address_unsafe_reason, destination_for
from partners.models import Partner
from tests.partners.http.helpers import calls_recorded, origin_redirecting_elsewhere
from tests.partners.http.local_server import Reply

API_KEY = "ssrf-test-key-91b2"


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("10.0.0.1", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 - an address under test, nothing binds
        ("100.64.0.1", "non-public"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "private"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("fec0::1", "site-local"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "link-local"),
        ("64:ff9b::a00:1", "private"),
        ("2002:c0a8:101::1", "private"),
    ],
)
def test_internal_addresses_are_unsafe(address, reason):
    assert address_unsafe_reason(address) == reason


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]
)
def test_public_addresses_are_safe(address):
    assert address_unsafe_reason(address) is None


@pytest.mark.parametrize(
    "url",
    [
        "ftp://files.partner.example/feed",
        "file:///etc/passwd",
        "http://user:secret@127.0.0.1/",
        "http://127.0.0.1:0/",
        "http:///no-host",
        "http://127.0.0.1/a b",
        "http://127.0.0.1\\@10.0.0.1/",
    ],
)
def test_unsupported_urls_are_refused_before_any_lookup(url, monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", pytest.fail)

    with pytest.raises(DestinationRefused):
        destination_for(url, allowlist=["127.0.0.1"], resolve_timeout=1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "base_url",
    [
        "http://10.0.0.1",
        "http://172.16.0.1",
        "http://192.168.1.1",
        "http://127.0.0.1:{port}",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:{port}",
        "http://[::ffff:127.0.0.1]:{port}",
        "http://0.0.0.0:{port}",
        "http://localhost:{port}",
    ],
)
def test_internal_destinations_are_refused_without_connecting(
    client, serve, allow, make_connection, outbound_connections, base_url
):
    """The server on loopback would answer; not being allow-listed, it must not be asked."""
    server = serve(lambda request: Reply(200))
    allow("http://partner.example")
    connection = make_connection(base_url.format(port=server.port))

    with pytest.raises(UnsafeDestination):
        client.send(connection, operation="lookup", method="GET", path="/x", idempotent=True)

    assert outbound_connections == []
    assert server.received == []
    assert calls_recorded() == [("lookup", None, "refused", 1)]


@pytest.mark.django_db
@pytest.mark.parametrize("entry", ["127.0.0.1:{port}", "127.0.0.1"])
def test_allow_listed_host_is_called(client, serve, settings, make_connection, entry):
    server = serve(lambda request: Reply(200))
    settings.PARTNER_HOST_ALLOWLIST = [entry.format(port=server.port)]
    connection = make_connection(server.base_url)

    response = client.send(connection, operation="lookup", method="GET", path="/x", idempotent=True)

    assert response.status == 200
    assert len(server.received) == 1


@pytest.mark.django_db
def test_allow_list_entry_with_another_port_does_not_cover(
    client, serve, settings, make_connection
):
    server = serve(lambda request: Reply(200))
    settings.PARTNER_HOST_ALLOWLIST = [f"127.0.0.1:{server.port + 1}"]
    connection = make_connection(server.base_url)

    with pytest.raises(UnsafeDestination):
        client.send(connection, operation="lookup", method="GET", path="/x", idempotent=True)

    assert server.received == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "location", ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/admin"]
)
def test_redirect_to_an_internal_address_is_refused(
    client, serve, allow, make_connection, outbound_connections, location
):
    server = serve(lambda request: Reply(302, {"Location": location}))
    allow(server.base_url)
    connection = make_connection(server.base_url)

    with pytest.raises(UnsafeDestination):
        client.send(connection, operation="lookup", method="GET", path="/x", idempotent=True)

    assert {address[0] for address in outbound_connections} == {"127.0.0.1"}
    assert calls_recorded() == [("lookup", None, "refused", 1)]


@pytest.mark.django_db
def test_credentials_follow_a_redirect_on_the_same_origin_only(
    client, serve, allow, make_connection
):
    origin, elsewhere = origin_redirecting_elsewhere(serve, allow)
    connection = make_connection(
        origin.base_url,
        auth_type=Partner.AuthType.API_KEY_HEADER,
        api_key_name="X-Api-Key",
        credentials={"api_key": API_KEY},
    )

    response = client.send(
        connection, operation="lookup", method="GET", path="/v1/items", idempotent=True
    )

    assert response.status == 200
    assert [(request.target, request.headers["X-Api-Key"]) for request in origin.received] == [
        ("/v1/items", API_KEY),
        ("/v2/items", API_KEY),
    ]
    (mirrored,) = elsewhere.received
    assert mirrored.target == "/mirror"
    assert "X-Api-Key" not in mirrored.headers
    assert calls_recorded() == [("lookup", 200, "ok", 1)]


@pytest.mark.django_db
def test_a_post_redirected_with_303_becomes_a_get_without_body(
    client, serve, allow, make_connection
):
    server = serve(
        lambda request: (
            Reply(303, {"Location": "/result"}) if request.method == "POST" else Reply(200)
        )
    )
    allow(server.base_url)
    connection = make_connection(server.base_url)

    client.send(
        connection, operation="search", method="POST", path="/search", body=b"q", idempotent=True
    )

    assert [(request.method, request.body) for request in server.received] == [
        ("POST", b"q"),
        ("GET", b""),
    ]


@pytest.mark.django_db
def test_more_than_three_redirects_are_refused(client, serve, allow, make_connection):
    server = serve(lambda request: Reply(302, {"Location": "/again"}))
    allow(server.base_url)
    connection = make_connection(server.base_url)

    with pytest.raises(PartnerBadResponse):
        client.send(connection, operation="lookup", method="GET", path="/x", idempotent=True)

    assert len(server.received) == 4
    assert calls_recorded() == [("lookup", None, "bad_response", 1)]


@pytest.mark.django_db
def test_the_checked_address_is_the_one_connected_to(
    client, serve, settings, make_connection, monkeypatch, outbound_connections
):
    """DNS rebinding: the name resolves to loopback once, then to a private address. The
    client must connect to the first answer, asking DNS only once, and still say the name.

    getaddrinfo is replaced because no DNS server runs here to play the attacker."""
    server = serve(lambda request: Reply(200))
    settings.PARTNER_HOST_ALLOWLIST = [f"partner.test:{server.port}"]
    resolve = socket.getaddrinfo
    answers = iter(["127.0.0.1", "10.0.0.1"])
    lookups: list[str] = []

    def rebinding(host, port, *args, **kwargs):
        if host != "partner.test":
            return resolve(host, port, *args, **kwargs)
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    connection = make_connection(f"http://partner.test:{server.port}")

    response = client.send(connection, operation="lookup", method="GET", path="/x", idempotent=True)

    assert response.status == 200
    assert lookups == ["partner.test"]
    assert [address[0] for address in outbound_connections] == ["127.0.0.1"]
    assert server.received[0].headers["Host"] == f"partner.test:{server.port}"
