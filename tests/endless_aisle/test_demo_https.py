"""The HTTPS demo (`make demo HTTPS=1`): its certificate names what a tablet may type, is kept
between runs, keeps its keys private, and gunicorn serves the app with it over TLS."""

import json
import os
import socket
import ssl
import subprocess
import urllib.request
from collections import namedtuple
from datetime import UTC, datetime, timedelta

import psutil
import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from endless_aisle.demo_https import (
    demo_tls_ensure,
    demo_tls_names,
    https_web_command,
    https_web_environment,
    network_urls,
)
from tests.conftest import REPO, database_url, wait_for

NAMES = ["localhost", "shop-laptop", "shop-laptop.local", "127.0.0.1", "::1", "192.168.1.23"]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

Address = namedtuple("Address", "family address netmask broadcast ptp")


def certificate_of(path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def names_in(certificate: x509.Certificate) -> tuple[list[str], list[str]]:
    alternative = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return (
        alternative.get_values_for_type(x509.DNSName),
        [str(ip) for ip in alternative.get_values_for_type(x509.IPAddress)],
    )


def test_the_names_are_localhost_the_host_and_every_lan_address(monkeypatch):
    # The machine's real interfaces are not the test's to choose: these are a laptop's on a
    # shop's Wi-Fi, with the link-local addresses every interface also has.
    interfaces = {
        "lo": [Address(socket.AF_INET, "127.0.0.1", None, None, None)],
        "wlan0": [
            Address(socket.AF_INET, "192.168.1.23", "255.255.255.0", None, None),
            Address(socket.AF_INET6, "fe80::1c2d:3eff:fe4f:5a6b%wlan0", None, None, None),
            Address(socket.AF_INET6, "2001:db8::23", None, None, None),
            Address(psutil.AF_LINK, "3e:4f:5a:6b:7c:8d", None, None, None),
        ],
        "eth0": [
            Address(socket.AF_INET, "10.20.0.7", "255.255.0.0", None, None),
            Address(socket.AF_INET, "169.254.10.1", "255.255.0.0", None, None),
        ],
    }
    monkeypatch.setattr(psutil, "net_if_addrs", lambda: interfaces)
    monkeypatch.setattr(socket, "gethostname", lambda: "shop-laptop")

    assert demo_tls_names() == [
        "localhost",
        "shop-laptop",
        "shop-laptop.local",
        "127.0.0.1",
        "::1",
        "192.168.1.23",
        "2001:db8::23",
        "10.20.0.7",
    ]


def test_the_server_certificate_names_them_and_comes_from_the_demo_authority(tmp_path):
    tls = demo_tls_ensure(tmp_path / "demo-tls", NAMES, now=NOW)

    certificate, authority = certificate_of(tls.certificate), certificate_of(tls.ca_certificate)
    assert names_in(certificate) == (
        ["localhost", "shop-laptop", "shop-laptop.local"],
        ["127.0.0.1", "::1", "192.168.1.23"],
    )
    certificate.verify_directly_issued_by(authority)
    assert authority.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.SERVER_AUTH]
    # Apple's devices refuse server certificates valid for more than 825 days.
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert lifetime <= timedelta(days=398)
    assert certificate.not_valid_before_utc < NOW


def test_the_keys_are_readable_by_their_owner_only(tmp_path):
    directory = tmp_path / "demo-tls"
    old_umask = os.umask(0o000)  # even where new files would be world-readable
    try:
        tls = demo_tls_ensure(directory, NAMES, now=NOW)
    finally:
        os.umask(old_umask)

    assert oct(tls.key.stat().st_mode & 0o777) == "0o600"
    assert oct((directory / "ca-key.pem").stat().st_mode & 0o777) == "0o600"
    assert oct(directory.stat().st_mode & 0o777) == "0o700"
    assert b"PRIVATE KEY" not in tls.ca_certificate.read_bytes()
    assert b"PRIVATE KEY" not in tls.certificate.read_bytes()


def test_a_second_start_reuses_the_certificate_and_its_key(tmp_path):
    first = demo_tls_ensure(tmp_path / "demo-tls", NAMES, now=NOW)
    files = {path: path.read_bytes() for path in (tmp_path / "demo-tls").iterdir()}
    first.key.chmod(0o644)  # a key someone loosened is tightened again

    second = demo_tls_ensure(tmp_path / "demo-tls", NAMES, now=NOW + timedelta(days=200))

    assert second == first
    assert {path: path.read_bytes() for path in (tmp_path / "demo-tls").iterdir()} == files
    assert oct(second.key.stat().st_mode & 0o777) == "0o600"


def test_a_new_address_gets_a_new_certificate_from_the_same_authority(tmp_path):
    first = demo_tls_ensure(tmp_path / "demo-tls", NAMES, now=NOW)
    authority, key = first.ca_certificate.read_bytes(), first.key.read_bytes()
    old_serial = certificate_of(first.certificate).serial_number

    second = demo_tls_ensure(tmp_path / "demo-tls", [*NAMES, "192.168.1.99"], now=NOW)

    assert second.ca_certificate.read_bytes() == authority
    assert certificate_of(second.certificate).serial_number != old_serial
    assert second.key.read_bytes() != key
    assert names_in(certificate_of(second.certificate))[1][-1] == "192.168.1.99"


def test_a_certificate_near_its_end_is_renewed_and_the_authority_kept(tmp_path):
    first = demo_tls_ensure(tmp_path / "demo-tls", NAMES, now=NOW)
    authority = first.ca_certificate.read_bytes()
    old = certificate_of(first.certificate)

    renewed = demo_tls_ensure(tmp_path / "demo-tls", NAMES, now=NOW + timedelta(days=380))

    new = certificate_of(renewed.certificate)
    assert new.serial_number != old.serial_number
    assert new.not_valid_after_utc > old.not_valid_after_utc
    assert renewed.ca_certificate.read_bytes() == authority


def test_a_certificate_needs_a_name(tmp_path):
    with pytest.raises(ValueError, match="at least one name"):
        demo_tls_ensure(tmp_path / "demo-tls", [], now=NOW)

    assert not (tmp_path / "demo-tls").exists()


def test_the_addresses_offered_to_a_tablet_leave_out_this_machines_own():
    assert network_urls([*NAMES, "2001:db8::23"], 8000) == [
        "https://shop-laptop:8000/",
        "https://shop-laptop.local:8000/",
        "https://192.168.1.23:8000/",
        "https://[2001:db8::23]:8000/",
    ]


def test_https_and_the_loopback_identity_provider_do_not_combine():
    with pytest.raises(CommandError, match="--https and --oidc cannot be combined"):
        call_command("run_demo", "--https", "--oidc")


@pytest.mark.django_db
def test_the_authority_certificate_is_offered_for_download_and_never_its_key(
    client, settings, tmp_path
):
    tls = demo_tls_ensure(tmp_path / "demo-tls", NAMES, now=NOW)
    settings.DEMO_TLS_CA_CERTIFICATE = str(tls.ca_certificate)

    response = client.get("/demo-ca.crt")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-x509-ca-cert"
    assert response["Content-Disposition"] == 'attachment; filename="endless-aisle-demo-ca.crt"'
    assert response.content == tls.ca_certificate.read_bytes()
    assert b"PRIVATE KEY" not in response.content


@pytest.mark.django_db
def test_a_missing_authority_certificate_is_not_found_rather_than_an_error(client, settings):
    settings.DEMO_TLS_CA_CERTIFICATE = "/nonexistent/demo-tls/ca.crt"

    assert client.get("/demo-ca.crt").status_code == 404


@pytest.mark.django_db
def test_a_setting_naming_a_key_or_a_bundle_with_one_never_serves_the_key(
    client, settings, tmp_path
):
    tls = demo_tls_ensure(tmp_path / "demo-tls", NAMES, now=NOW)
    key = (tmp_path / "demo-tls" / "ca-key.pem").read_bytes()
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(tls.ca_certificate.read_bytes() + key)

    settings.DEMO_TLS_CA_CERTIFICATE = str(bundle)
    from_bundle = client.get("/demo-ca.crt")
    settings.DEMO_TLS_CA_CERTIFICATE = str(tmp_path / "demo-tls" / "ca-key.pem")
    from_key = client.get("/demo-ca.crt")

    assert from_bundle.status_code == 200
    assert from_bundle.content == tls.ca_certificate.read_bytes()
    assert b"PRIVATE KEY" not in from_bundle.content
    assert from_key.status_code == 404
    assert b"PRIVATE KEY" not in from_key.content


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def https_server(transactional_db, tmp_path):
    """The demo's web process as `run_demo --https` starts it, on loopback (tests reach no other
    address) and the test database."""
    tls = demo_tls_ensure(tmp_path / "demo-tls", NAMES)
    port = free_loopback_port()
    environment = {
        **os.environ,
        **https_web_environment(NAMES, tls, settings.ALLOWED_HOSTS),
        "DJANGO_SETTINGS_MODULE": "endless_aisle.settings.test",
        "DATABASE_URL": database_url(connection.settings_dict),
        "SQS_ENDPOINT_URL": settings.SQS_ENDPOINT_URL,
    }
    command = https_web_command(bind="127.0.0.1", port=port, tls=tls, timeout_seconds=30)
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=REPO, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_for(lambda: "Booting worker" in log_path.read_text() or process.poll() is not None)
        assert process.poll() is None, log_path.read_text()
        yield tls, port
    finally:
        process.terminate()
        process.wait(timeout=30)


def get(url: str, context: ssl.SSLContext):
    """GET `url`, retrying while the server is still starting to accept connections."""

    def attempt():
        try:
            return urllib.request.urlopen(url, context=context, timeout=10)  # noqa: S310
        except urllib.error.URLError as error:
            if isinstance(error.reason, ConnectionRefusedError):
                return None
            raise

    return wait_for(attempt)


def test_the_https_server_answers_a_client_that_trusts_the_demo_authority(https_server):
    tls, port = https_server
    trusting = ssl.create_default_context(cafile=tls.ca_certificate)

    health = get(f"https://localhost:{port}/healthz", trusting)
    login = get(f"https://127.0.0.1:{port}/accounts/login/", trusting)
    reader = get(f"https://localhost:{port}/static/vendor/zxing-wasm/zxing_reader.wasm", trusting)
    authority = get(f"https://localhost:{port}/demo-ca.crt", trusting)

    assert health.status == 200
    assert json.loads(health.read())["database"] == "ok"
    assert login.status == 200
    assert reader.headers["Content-Type"] == "application/wasm"
    assert authority.headers["Content-Type"] == "application/x-x509-ca-cert"
    assert authority.read() == tls.ca_certificate.read_bytes()


def test_a_client_that_does_not_trust_the_demo_authority_is_refused(https_server):
    _, port = https_server
    # The system's authorities only: the demo's is not among them.
    with pytest.raises(urllib.error.URLError) as refused:
        urllib.request.urlopen(
            f"https://localhost:{port}/healthz", context=ssl.create_default_context(), timeout=10
        )

    assert isinstance(refused.value.reason, ssl.SSLCertVerificationError)
