"""A loopback server that answers every request with the same raw bytes, or drops it: what a
broken gateway sends, which the sandbox (correct by construction) never does."""

from __future__ import annotations

import socketserver
import threading
from types import TracebackType
from typing import Self


class _Handler(socketserver.StreamRequestHandler):
    server: CannedServer

    def handle(self) -> None:
        length = 0
        while (line := self.rfile.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        self.rfile.read(length)
        self.wfile.write(self.server.answer)


class CannedServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, answer: bytes) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answer = answer
        self.base_url = f"http://127.0.0.1:{self.server_address[1]}"
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.shutdown()
        self.server_close()


def http_answer(status: int, body: bytes, *, length: int | None = None) -> bytes:
    """A raw HTTP/1.1 answer; `length` overrides the Content-Length it declares."""
    declared = len(body) if length is None else length
    return (
        f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
        f"Content-Length: {declared}\r\nConnection: close\r\n\r\n"
    ).encode() + body
