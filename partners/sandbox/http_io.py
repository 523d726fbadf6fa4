"""The HTTP layer under every sandbox partner: requests, responses, routes and the server.

Built on `http.server` because the sandbox may use only the standard library. The handler sends
each response in one write on a TCP_NODELAY socket, so the sandbox adds no latency of its own.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from partners.sandbox.faults import MEBIBYTE, FaultKind, FaultRule, Operation

logger = logging.getLogger(__name__)

MAX_REQUEST_BYTES = MEBIBYTE


class HttpError(Exception):
    """An error answer; each partner renders it in its own format and vocabulary."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        extra: Mapping[str, str] | None = None,
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.extra = dict(extra or {})
        self.headers = tuple(headers)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, str]
    headers: Message
    body: bytes
    params: Mapping[str, str] = field(default_factory=dict)
    fault: FaultRule | None = None
    target: str = ""  # the request target exactly as received, for partners that verify it

    @property
    def reject_line(self) -> bool:
        return self.fault is not None and self.fault.kind is FaultKind.REJECT_LINE

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            raise HttpError(400, "The request body is not valid JSON") from None


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    operation: Operation | None
    handler: Handler
    public: bool = False


def route(
    method: str,
    template: str,
    operation: Operation | None,
    handler: Handler,
    *,
    public: bool = False,
) -> Route:
    """A route from a template like `/v1/orders/{order_id}`; each `{name}` matches one segment."""
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return Route(method, re.compile(f"^{pattern}$"), operation, handler, public)


def json_response(status: int, payload: object) -> Response:
    return Response(status, json.dumps(payload).encode(), "application/json")


def match_route(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]]:
    """The route for `method` and `path` and its path parameters; 404 or 405 if none."""
    allowed = []
    for candidate in routes:
        found = candidate.pattern.match(path)
        if found is None:
            continue
        if candidate.method == method:
            return candidate, found.groupdict()
        allowed.append(candidate.method)
    if allowed:
        raise HttpError(
            405, f"{method} is not allowed here", headers=[("Allow", ", ".join(allowed))]
        )
    raise HttpError(404, f"No such endpoint: {path}")


class Responder(Protocol):
    """What the HTTP server needs from a partner: a complete answer to each request."""

    @property
    def name(self) -> str: ...

    def respond(self, method: str, target: str, headers: Message, body: bytes) -> Response: ...

    def error_response(self, error: HttpError) -> Response: ...


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # stop() must not wait for a handler that is sleeping out a timeout fault.
    block_on_close = False

    def __init__(self, address: tuple[str, int], sandbox: Responder) -> None:
        self.sandbox = sandbox
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, RequestHandler)

    def connection_opened(self, connection: socket.socket) -> None:
        with self._open_lock:
            self._open.add(connection)

    def connection_closed(self, connection: socket.socket) -> None:
        with self._open_lock:
            self._open.discard(connection)

    def server_close(self) -> None:
        """Stop listening and end every open connection: a client's idle keep-alive connection
        must not keep talking to a stopped partner (a partner started again on the same port
        would otherwise answer some calls while the stopped one answered the others)."""
        super().server_close()
        with self._open_lock:
            connections, self._open = self._open, set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxHTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.connection_opened(self.connection)

    def finish(self) -> None:
        self.server.connection_closed(self.connection)
        super().finish()

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _serve(self) -> None:
        sandbox = self.server.sandbox
        started = time.monotonic()
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            response = sandbox.error_response(HttpError(411, "Send a Content-Length"))
        else:
            length_header = self.headers.get("Content-Length") or "0"
            length = int(length_header) if length_header.isdigit() else -1
            if length < 0:
                self.close_connection = True
                response = sandbox.error_response(HttpError(400, "Bad Content-Length"))
            elif length > MAX_REQUEST_BYTES:
                self.close_connection = True
                response = sandbox.error_response(HttpError(413, "The request body is too large"))
            else:
                body = self.rfile.read(length)
                response = sandbox.respond(self.command, self.path, self.headers, body)
        self._write(response)
        logger.debug(
            "sandbox %s %s %s -> %d in %.1f ms",
            sandbox.name,
            self.command,
            self.path,
            response.status,
            (time.monotonic() - started) * 1000,
        )

    def _write(self, response: Response) -> None:
        """Send status line, headers and body in ONE write: two writes cost a keep-alive client
        about 40 ms per response (Nagle and delayed ACK; see STACK-FACTS)."""
        head = [
            f"HTTP/1.1 {response.status} {HTTPStatus(response.status).phrase}",
            f"Content-Type: {response.content_type}",
            f"Content-Length: {len(response.body)}",
            f"Date: {self.date_time_string()}",
            *(f"{name}: {value}" for name, value in response.headers),
        ]
        if self.close_connection:
            head.append("Connection: close")
        try:
            self.wfile.write("\r\n".join(head).encode("latin-1") + b"\r\n\r\n" + response.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (typically during a timeout fault); nothing left to tell it.
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("sandbox http: " + format, *args)
