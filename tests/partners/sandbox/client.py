"""Standard-library HTTP for the sandbox tests: no client library hides what goes on the wire."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Message
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    def json(self) -> Any:
        return json.loads(self.body)

    def xml(self) -> ET.Element:
        return ET.fromstring(self.body)  # noqa: S314 - our own sandbox's answer


def call(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 10.0,
) -> Reply:
    """One request on a fresh connection; 4xx and 5xx come back as replies, not exceptions."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=timeout)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, target, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        return Reply(response.status, response.msg, response.read())
    finally:
        connection.close()


def basic_auth(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def stridewell_token(stridewell: Any) -> str:
    """A fresh OAuth2 access token from the Stridewell sandbox, client id and secret in the form."""
    reply = call(
        "POST",
        f"{stridewell.base_url}/oauth/token",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=(
            "grant_type=client_credentials"
            f"&client_id={stridewell.client_id}&client_secret={stridewell.client_secret}"
        ).encode(),
    )
    assert reply.status == 200, reply.body
    return reply.json()["access_token"]


def baywater_signature(
    key_id: str, secret: str, method: str, target: str, body: bytes, *, now: float | None = None
) -> dict[str, str]:
    """Baywater's signed-request headers, written from its documentation (not our client's
    code): hex HMAC-SHA256 of method, target, timestamp and body joined by newlines."""
    timestamp = str(int(time.time() if now is None else now))
    message = b"\n".join((method.encode(), target.encode(), timestamp.encode(), body))
    return {
        "X-Key-Id": key_id,
        "X-Timestamp": timestamp,
        "X-Signature": hmac.new(secret.encode(), message, hashlib.sha256).hexdigest(),
    }


@dataclass
class PartnerClient:
    """Calls one partner with its credentials already attached; `sign`, when given, adds
    headers computed from each request's method, target and body."""

    base_url: str
    auth: dict[str, str] = field(default_factory=dict)
    sign: Callable[[str, str, bytes], dict[str, str]] | None = None

    def _headers(self, method: str, path: str, body: bytes) -> dict[str, str]:
        return {**self.auth, **(self.sign(method, path, body) if self.sign else {})}

    def get(self, path: str, **options: Any) -> Reply:
        return call("GET", self.base_url + path, headers=self._headers("GET", path, b""), **options)

    def post_json(
        self,
        path: str,
        payload: object,
        headers: Mapping[str, str] | None = None,
        **options: Any,
    ) -> Reply:
        body = json.dumps(payload).encode()
        return call(
            "POST",
            self.base_url + path,
            headers={
                **self._headers("POST", path, body),
                "Content-Type": "application/json",
                **(headers or {}),
            },
            body=body,
            **options,
        )

    def post_xml(
        self, path: str, xml: str, content_type: str = "application/xml", **options: Any
    ) -> Reply:
        return call(
            "POST",
            self.base_url + path,
            headers={**self._headers("POST", path, xml.encode()), "Content-Type": content_type},
            body=xml.encode(),
            **options,
        )


def wait_for(condition: Callable[[], T], *, seconds: float = 20.0) -> T:
    """Poll until `condition()` is truthy: a generous deadline, so a slow machine never fails."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"Condition not met within {seconds} s")


@dataclass(frozen=True)
class Delivery:
    headers: Message
    body: bytes


class WebhookReceiver:
    """A tiny HTTP server that records what is pushed to it and answers with given statuses."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.deliveries: list[Delivery] = []
        self._statuses = list(statuses or [])
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.deliveries.append(Delivery(self.headers, body))
                status = receiver._statuses.pop(0) if receiver._statuses else 204
                # Headers only, flushed once: a single write, as STACK-FACTS asks of test servers.
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/partner"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
