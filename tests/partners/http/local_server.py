"""A tiny HTTP(S) server on loopback for what the sandbox partners do not do: HMAC and
query-string API keys, redirects, slow or unbounded bodies, TLS with our own test CA."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    method: str
    target: str
    headers: Message
    body: bytes


@dataclass(frozen=True)
class Reply:
    """`body` bytes get a Content-Length; an iterable is streamed as it comes and the server
    closes the connection to end it (no length), unless `headers` gives one."""

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | Iterable[bytes] = b'{"ok": true}'


Handler = Callable[[Received], Reply]


class LocalServer:
    def __init__(self, handler: Handler, *, tls: ssl.SSLContext | None = None) -> None:
        self.received: list[Received] = []
        server = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Received(self.command, self.path, self.headers, self.rfile.read(length))
                server.received.append(request)
                self._write(handler(request))

            do_POST = do_PUT = do_DELETE = do_GET

            def _write(self, reply: Reply) -> None:
                head = [f"HTTP/1.1 {reply.status} {HTTPStatus(reply.status).phrase}"]
                head += [f"{name}: {value}" for name, value in reply.headers.items()]
                if isinstance(reply.body, bytes):
                    head.append(f"Content-Length: {len(reply.body)}")
                    chunks: Iterable[bytes] = [reply.body]
                else:
                    chunks = reply.body
                    if "Content-Length" not in reply.headers:
                        head.append("Connection: close")
                        self.close_connection = True
                # Head and a bytes body in one write (see STACK-FACTS on Nagle + delayed ACK).
                pending = "\r\n".join(head).encode("latin-1") + b"\r\n\r\n"
                try:
                    for chunk in chunks:
                        self.wfile.write(pending + chunk)
                        self.wfile.flush()
                        pending = b""
                    if pending:
                        self.wfile.write(pending)
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    self.close_connection = True  # the client gave up, as some tests make it

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self.netloc = f"127.0.0.1:{self.port}"
        scheme = "https" if tls is not None else "http"
        self.base_url = f"{scheme}://{self.netloc}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
