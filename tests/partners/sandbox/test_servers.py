import http.client
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from partners.sandbox.servers import sandbox_partners_start
from tests.partners.sandbox.client import call, wait_for
from tests.partners.sandbox.picks import in_stock

REPO = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def state_or_none(url: str):
    try:
        reply = call("GET", f"{url}/_sandbox/state", timeout=2)
    except OSError:
        return None
    return reply.json() if reply.status == 200 else None


def test_each_response_is_one_write_on_a_no_delay_socket(
    threadline, threadline_client, monkeypatch
):
    """Two writes would cost a keep-alive client ~40 ms per response (STACK-FACTS)."""
    writes = []
    real_sendall = socket.socket.sendall

    def recording_sendall(sock, data, *args):
        if bytes(data[:9]) == b"HTTP/1.1 ":
            nodelay = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            writes.append((bytes(data), nodelay))
        return real_sendall(sock, data, *args)

    monkeypatch.setattr(socket.socket, "sendall", recording_sendall)
    _, item = in_stock(threadline)

    found = threadline_client.get(f"/v1/products/by-barcode/{item.variant.gtin}")
    refused = call("GET", f"{threadline.base_url}/v1/products?q=jumper")

    assert [status for status in (found.status, refused.status)] == [200, 401]
    assert len(writes) == 2
    for (data, nodelay), reply in zip(writes, (found, refused), strict=True):
        assert nodelay != 0
        head, body = data.split(b"\r\n\r\n", 1)
        assert body == reply.body
        assert f"Content-Length: {len(reply.body)}".encode() in head


def test_connections_are_kept_alive(threadline):
    port = int(threadline.base_url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"X-Api-Key": threadline.api_key}

    def status() -> int:
        connection.request("GET", "/v1/products?q=jumper", headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status

    try:
        first = status()
        first_socket = connection.sock
        rest = [status(), status()]
        assert connection.sock is first_socket
    finally:
        connection.close()

    assert [first, *rest] == [200, 200, 200]


def test_partners_start_on_the_ports_asked_for_and_free_them_on_stop():
    ports = {
        "threadline": free_port(),
        "stridewell": free_port(),
        "hearth": free_port(),
        "baywater": free_port(),
    }

    with sandbox_partners_start(ports=ports) as partners:
        urls = {partner.name.value: partner.base_url for partner in partners}
        states = {name: state_or_none(url)["partner"] for name, url in urls.items()}

    assert urls == {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    assert states == {name: name for name in ports}
    assert all(port_is_free(port) for port in ports.values())


def test_a_partner_failing_to_start_stops_those_already_started():
    threadline_port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            sandbox_partners_start(
                ports={"threadline": threadline_port, "hearth": taken.getsockname()[1]}
            )

    assert port_is_free(threadline_port)


def test_the_sandbox_refuses_to_listen_beyond_loopback():
    with pytest.raises(ValueError, match="only listen on loopback"):
        sandbox_partners_start(host="0.0.0.0")  # noqa: S104 - the address being refused


def test_python_m_partners_sandbox_serves_until_interrupted():
    ports = [free_port(), free_port(), free_port(), free_port()]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "partners.sandbox",
            "--threadline-port",
            str(ports[0]),
            "--stridewell-port",
            str(ports[1]),
            "--hearth-port",
            str(ports[2]),
            "--baywater-port",
            str(ports[3]),
            "--advance-seconds",
            "0",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        states = [
            wait_for(lambda port=port: state_or_none(f"http://127.0.0.1:{port}")) for port in ports
        ]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()  # fail without leaving it serving
            raise

    assert [state["partner"] for state in states] == [
        "threadline",
        "stridewell",
        "hearth",
        "baywater",
    ]
    assert all(state["status_advance_seconds"] is None for state in states)
    assert process.returncode == 0, output
    assert "X-Api-Key=tl_demo_4f9c2a7e1b55" in output
