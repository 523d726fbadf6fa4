"""Fixtures for the partner HTTP client: sandbox partners, loopback test servers, a test CA,
partner factories, and a tripwire that keeps every test's traffic on loopback."""

from __future__ import annotations

import datetime
import errno
import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.cache import cache

from partners.http.client import PartnerHttpClient
from partners.http.connection import PartnerConnection, connection_for
from partners.http.limits import BreakerPolicy, DatabaseLimits
from partners.models import Partner
from tests.factories import PartnerFactory
from tests.partners.http.local_server import LocalServer
from tests.partners.http.raw_server import RawServer


@pytest.fixture(autouse=True)
def outbound_connections(monkeypatch) -> list[tuple]:
    """Every address a socket connects to during the test. Anything but loopback is refused
    here, so a guard that failed open could never send a test's traffic off this machine."""
    attempts: list[tuple] = []
    connect = socket.socket.connect

    def loopback_only(sock: socket.socket, address: tuple) -> None:
        attempts.append(address)
        host = str(address[0]).split("%")[0]
        if not ipaddress.ip_address(host).is_loopback:
            raise OSError(errno.ENETUNREACH, f"test tripwire: no traffic to {host}")
        connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", loopback_only)
    return attempts


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """OAuth2 tokens are cached per partner id, and ids come back after a rolled-back test."""
    cache.clear()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(sleeps) -> PartnerHttpClient:
    """A client of the test's own that records backoff waits instead of sleeping them."""
    return PartnerHttpClient(sleep=sleeps.append)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def breaking_client(sleeps, clock) -> PartnerHttpClient:
    """A client whose circuits open after 2 failures and cool down on the fake clock."""
    return PartnerHttpClient(
        sleep=sleeps.append,
        limits=DatabaseLimits(
            policy=BreakerPolicy(failure_threshold=2, cooldown_seconds=30), clock=clock
        ),
    )


@pytest.fixture
def allow(settings) -> Callable[[str], None]:
    """Allow-list a base URL's host:port for this test (the allow-list starts empty)."""
    settings.PARTNER_HOST_ALLOWLIST = []

    def add(url: str) -> None:
        settings.PARTNER_HOST_ALLOWLIST = [*settings.PARTNER_HOST_ALLOWLIST, urlsplit(url).netloc]

    return add


@pytest.fixture
def threadline(fresh_sandbox, allow, db) -> PartnerConnection:
    partner = fresh_sandbox.threadline
    allow(partner.base_url)
    return connection_for(
        PartnerFactory(
            slug="threadline",
            base_url=partner.base_url,
            auth_type=Partner.AuthType.API_KEY_HEADER,
            api_key_name="X-Api-Key",
            credentials={"api_key": partner.api_key},
        )
    )


@pytest.fixture
def stridewell(fresh_sandbox, allow, db) -> PartnerConnection:
    partner = fresh_sandbox.stridewell
    allow(partner.base_url)
    return connection_for(
        PartnerFactory(
            slug="stridewell",
            base_url=partner.base_url,
            auth_type=Partner.AuthType.OAUTH2_CLIENT_CREDENTIALS,
            oauth_token_url=f"{partner.base_url}/oauth/token",
            credentials={"client_id": partner.client_id, "client_secret": partner.client_secret},
        )
    )


@pytest.fixture
def hearth(fresh_sandbox, allow, db) -> PartnerConnection:
    partner = fresh_sandbox.hearth
    allow(partner.base_url)
    return connection_for(
        PartnerFactory(
            slug="hearth",
            base_url=partner.base_url,
            auth_type=Partner.AuthType.BASIC,
            credentials={"username": partner.username, "password": partner.password},
        )
    )


Server = TypeVar("Server", LocalServer, RawServer)


def _stopped_after_test(server_class: Callable[..., Server]) -> Iterator[Callable[..., Server]]:
    """A fixture's body: a function starting servers of `server_class`, stopped afterwards."""
    started: list[Server] = []

    def start(*args, **options) -> Server:
        server = server_class(*args, **options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def serve() -> Iterator[Callable[..., LocalServer]]:
    """`serve(handler, tls=None)` starts a LocalServer answering with `handler`."""
    yield from _stopped_after_test(LocalServer)


@pytest.fixture
def raw_serve() -> Iterator[Callable[..., RawServer]]:
    """`raw_serve(behaviour, read_request=True)` starts a RawServer with `behaviour`."""
    yield from _stopped_after_test(RawServer)


@dataclass(frozen=True)
class Certificates:
    """A CA of our own and a server certificate it signed for the name `localhost` only."""

    ca_path: Path
    cert_path: Path
    key_path: Path

    def server_context(self, sni_names: list[str | None]) -> ssl.SSLContext:
        """A server TLS context that records the SNI name each client sends."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, self.key_path)
        context.sni_callback = lambda _socket, name, _context: sni_names.append(name)
        return context


@pytest.fixture(scope="session")
def certificates(tmp_path_factory) -> Certificates:
    directory = tmp_path_factory.mktemp("tls")
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Endless Aisle test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    certificates = Certificates(
        ca_path=directory / "ca.pem",
        cert_path=directory / "server.pem",
        key_path=directory / "server-key.pem",
    )
    certificates.ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    certificates.cert_path.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    certificates.key_path.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certificates


@pytest.fixture
def make_connection(db) -> Callable[..., PartnerConnection]:
    """A connection to a partner at `base_url`, other Partner fields as given."""

    def make(base_url: str, **fields) -> PartnerConnection:
        return connection_for(PartnerFactory(base_url=base_url, **fields))

    return make
