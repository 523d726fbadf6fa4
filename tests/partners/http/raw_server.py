"""A loopback TCP server that misbehaves below HTTP, where `LocalServer` cannot: it trickles
bytes (of a TLS handshake, response headers or a body) or hangs up after reading the request.

Each connection is served by its own thread running `behaviour(connection, request)`, where
`request` is the request head and body read from the client (b"" when `read_request` is false).
A trickle stops when the client hangs up, when the server is stopped, or after `GIVE_UP_SECONDS`
so a client that never gives up makes a test fail instead of hang.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

GIVE_UP_SECONDS = 30.0
TRICKLE_INTERVAL_SECONDS = 0.1

Behaviour = Callable[[socket.socket, bytes], None]


class RawServer:
    def __init__(self, behaviour: Behaviour, *, read_request: bool = True) -> None:
        self.requests: list[bytes] = []
        self.stopped = threading.Event()
        self._behaviour = behaviour
        self._read_request = read_request
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(GIVE_UP_SECONDS)
            try:
                request = self._read(connection) if self._read_request else b""
                if self._read_request:
                    self.requests.append(request)
                self._behaviour(connection, request)
            except OSError:
                pass  # the client hung up, which is what these tests make it do

    def _read(self, connection: socket.socket) -> bytes:
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = connection.recv(4096)
            if not chunk:
                return received
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        while len(body) < length:
            chunk = connection.recv(4096)
            if not chunk:
                break
            body += chunk
        return head + b"\r\n\r\n" + body

    def trickle(self, connection: socket.socket, prefix: bytes, drip: bytes = b"x") -> None:
        """Send `prefix`, then `drip` every TRICKLE_INTERVAL_SECONDS until told to stop."""
        connection.sendall(prefix)
        give_up = time.monotonic() + GIVE_UP_SECONDS
        while time.monotonic() < give_up and not self.stopped.wait(TRICKLE_INTERVAL_SECONDS):
            connection.sendall(drip)

    def stop(self) -> None:
        self.stopped.set()
        self._listener.close()
        self._accepting.join()
        for thread in self._threads:
            thread.join()
