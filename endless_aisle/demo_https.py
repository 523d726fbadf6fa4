"""HTTPS for the demo on a real tablet (`make demo HTTPS=1`, docs/https-demo.md).

Browsers open the camera only on HTTPS or localhost, and a tablet on the shop's Wi-Fi reaches the
demo by this machine's address. So the demo makes its own small certificate authority and, signed
by it, a server certificate naming everything the tablet may type: localhost, the host name (and
its .local mDNS name) and every LAN address. Both live in var/demo-tls/, private keys readable by
their owner only; they are kept between runs, and a new server certificate is issued when an
address changes or it nears its end, from the same authority, so a tablet that trusts the
authority once keeps trusting the demo. Nothing is downloaded. gunicorn, already the production
web server, serves the demo over TLS.
"""

import ipaddress
import os
import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_LIFETIME = timedelta(days=5 * 365)
# Apple's platforms refuse server certificates valid for longer than 825 days; 397 is what
# public authorities issue today.
CERTIFICATE_LIFETIME = timedelta(days=397)
RENEW_BEFORE = timedelta(days=30)
BACKDATE = timedelta(minutes=5)  # a tablet whose clock runs a little behind still accepts it

CA_CERTIFICATE_FILE = "ca.crt"
CA_KEY_FILE = "ca-key.pem"
CERTIFICATE_FILE = "server.crt"
KEY_FILE = "server-key.pem"

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class DemoTls:
    ca_certificate: Path
    certificate: Path
    key: Path


def _ip(name: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def demo_tls_names() -> list[str]:
    """The names a browser may reach this machine by: localhost, the host name and its mDNS
    (.local) name, loopback, and each interface's address except link-local ones."""
    import psutil  # a development dependency, like everything the demo alone uses

    hostname = socket.gethostname()
    names = ["localhost", hostname]
    if "." not in hostname:
        names.append(f"{hostname}.local")
    names += ["127.0.0.1", "::1"]
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family not in (socket.AF_INET, socket.AF_INET6):
                continue
            ip = ipaddress.ip_address(address.address.split("%", 1)[0])
            if not (ip.is_loopback or ip.is_link_local) and str(ip) not in names:
                names.append(str(ip))
    return names


def _subject_alternative_names(names: Sequence[str]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for name in names:
        ip = _ip(name)
        entries.append(x509.IPAddress(ip) if ip is not None else x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


def _names_of(certificate: x509.Certificate) -> set[str]:
    alternative = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {
        *alternative.get_values_for_type(x509.DNSName),
        *(str(ip) for ip in alternative.get_values_for_type(x509.IPAddress)),
    }


def _write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner may read, whatever the umask or an older file's mode."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        os.fchmod(file.fileno(), 0o600)
        file.write(data)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _still_good(certificate: x509.Certificate, now: datetime) -> bool:
    return certificate.not_valid_before_utc <= now < certificate.not_valid_after_utc - RENEW_BEFORE


def _ca_load(directory: Path, now: datetime):
    certificate_path, key_path = directory / CA_CERTIFICATE_FILE, directory / CA_KEY_FILE
    if not (certificate_path.exists() and key_path.exists()):
        return None
    certificate = x509.load_pem_x509_certificate(certificate_path.read_bytes())
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if not _still_good(certificate, now) or certificate.public_key() != key.public_key():
        return None
    os.chmod(key_path, 0o600)
    return certificate, key


def _ca_create(directory: Path, now: datetime):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Endless Aisle demo"),
            x509.NameAttribute(
                NameOID.COMMON_NAME, f"Endless Aisle demo CA on {socket.gethostname()}"
            ),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
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
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(directory / CA_KEY_FILE, _key_pem(key))
    (directory / CA_CERTIFICATE_FILE).write_bytes(
        certificate.public_bytes(serialization.Encoding.PEM)
    )
    return certificate, key


def _certificate_reusable(directory: Path, ca_certificate, names: Sequence[str], now) -> bool:
    certificate_path, key_path = directory / CERTIFICATE_FILE, directory / KEY_FILE
    if not (certificate_path.exists() and key_path.exists()):
        return False
    certificate = x509.load_pem_x509_certificate(certificate_path.read_bytes())
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    try:
        certificate.verify_directly_issued_by(ca_certificate)
    except (ValueError, TypeError, x509.InvalidSignature):
        return False
    return (
        _still_good(certificate, now)
        and certificate.public_key() == key.public_key()
        and set(names) <= _names_of(certificate)
    )


def _certificate_issue(directory: Path, ca_certificate, ca_key, names: Sequence[str], now) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + CERTIFICATE_LIFETIME)
        .add_extension(_subject_alternative_names(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(directory / KEY_FILE, _key_pem(key))
    (directory / CERTIFICATE_FILE).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def demo_tls_ensure(
    directory: Path, names: Sequence[str], *, now: datetime | None = None
) -> DemoTls:
    """The demo's certificate authority and a server certificate for `names` in `directory`:
    those already there while still good, else new ones."""
    if not names:
        raise ValueError("a certificate needs at least one name")
    now = now or datetime.now(UTC)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    ca = _ca_load(directory, now)
    if ca is None:
        ca = _ca_create(directory, now)
    ca_certificate, ca_key = ca
    if not _certificate_reusable(directory, ca_certificate, names, now):
        _certificate_issue(directory, ca_certificate, ca_key, names, now)
    os.chmod(directory / KEY_FILE, 0o600)
    return DemoTls(
        ca_certificate=directory / CA_CERTIFICATE_FILE,
        certificate=directory / CERTIFICATE_FILE,
        key=directory / KEY_FILE,
    )


def https_web_command(*, bind: str, port: int, tls: DemoTls, timeout_seconds: int) -> list[str]:
    """gunicorn serving the web app over TLS with the demo's certificate: one process, so the
    demo's in-memory cache is one cache, with threads for partner lookups side by side."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "endless_aisle.wsgi",
        "--bind",
        f"{bind}:{port}",
        "--certfile",
        str(tls.certificate),
        "--keyfile",
        str(tls.key),
        "--workers",
        "1",
        "--threads",
        "8",
        "--timeout",
        str(timeout_seconds),
        "--access-logfile",
        "-",
    ]


def url_host(name: str) -> str:
    """A name or address as it goes in a URL or a Host header (IPv6 in brackets)."""
    return f"[{name}]" if isinstance(_ip(name), ipaddress.IPv6Address) else name


def network_urls(names: Sequence[str], port: int) -> list[str]:
    """The addresses another device on the network may open (all but this machine's own)."""
    return [
        f"https://{url_host(name)}:{port}/"
        for name in names
        if name != "localhost" and not ((ip := _ip(name)) is not None and ip.is_loopback)
    ]


def https_web_environment(names: Sequence[str], tls: DemoTls, allowed_hosts: Sequence[str]):
    """What the web process needs beyond its usual environment: to answer to every name in the
    certificate, and to offer the authority's certificate for download (never its key)."""
    hosts = [*allowed_hosts]
    for host in map(url_host, names):
        if host not in hosts:
            hosts.append(host)
    return {
        "DJANGO_ALLOWED_HOSTS": ",".join(hosts),
        "DEMO_TLS_CA_CERTIFICATE": str(tls.ca_certificate),
    }
