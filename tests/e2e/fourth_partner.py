"""A fourth partner API the team never saw, for onboarding it through the admin in a browser test.

Unlike the three sandbox partners it takes its API key in a query parameter (`?apikey=…`), names
every field differently (`ref`, `label`, `maker`, `pics`, `skus[].dims`, prices as text in `gbp`)
and deduplicates orders by an `X-Request-Ref` header: a repeated reference answers 200 with the
original purchase order instead of creating another.

    GET  /catalogue/ean/{ean}  → 200 {"result": {...}} or 404 {"result": null}
    POST /purchase-orders      → 201 {"po": "PO-1", "state": "OK"} (200 and the same po on a repeat)

Standard library only. Each response goes out in one write (see STACK-FACTS: two writes cost a
keep-alive client about 40 ms per response).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

API_KEY = "qs-live-7f3a9c2e"
API_KEY_PARAMETER = "apikey"
REQUEST_REF_HEADER = "X-Request-Ref"

JACKET_EAN = "5060123450019"
UNKNOWN_EAN = "5060123450101"
CATALOGUE = {
    JACKET_EAN: {
        "ref": "QS-100",
        "label": "Waxed Cotton Field Jacket",
        "maker": "Quayside",
        "pics": ["https://img.quayside.example/qs-100.jpg"],
        "skus": [
            {
                "id": "QS-100-M-OLV",
                "ean": JACKET_EAN,
                "dims": {"size": "M", "colour": "Olive"},
                "gbp": "89.50",
                "on_hand": 4,
            },
            {
                "id": "QS-100-L-OLV",
                "ean": "5060123450026",
                "dims": {"size": "L", "colour": "Olive"},
                "gbp": "89.50",
                "on_hand": 0,
            },
        ],
    }
}


@dataclass
class FourthPartner:
    """The running partner: its address and what it was asked."""

    server: ThreadingHTTPServer
    thread: threading.Thread
    lookups: list[str] = field(default_factory=list)
    orders: dict[str, dict] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def netloc(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    @property
    def orders_created(self) -> int:
        with self.lock:
            return len(self.orders)

    def reset(self) -> None:
        with self.lock:
            self.lookups.clear()
            self.orders.clear()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        target = urlsplit(self.path)
        query = parse_qs(target.query)
        if query.get(API_KEY_PARAMETER) != [API_KEY]:
            self._send(401, {"error": "missing or unknown apikey"})
        elif self.command == "GET" and target.path.startswith("/catalogue/ean/"):
            self._lookup(target.path.removeprefix("/catalogue/ean/"))
        elif self.command == "POST" and target.path == "/purchase-orders":
            self._purchase_order(body)
        else:
            self._send(404, {"error": f"no route {self.command} {target.path}"})

    def _lookup(self, ean: str) -> None:
        partner = self.server.partner
        with partner.lock:
            partner.lookups.append(ean)
        product = CATALOGUE.get(ean)
        self._send(200 if product else 404, {"result": product})

    def _purchase_order(self, body: bytes) -> None:
        reference = self.headers.get(REQUEST_REF_HEADER)
        if not reference:
            self._send(400, {"error": f"{REQUEST_REF_HEADER} header required"})
            return
        try:
            order = json.loads(body)
        except ValueError:
            self._send(400, {"error": "body is not JSON"})
            return
        partner = self.server.partner
        with partner.lock:
            if reference in partner.orders:
                self._send(200, {"po": partner.orders[reference]["po"], "state": "OK"})
                return
            po = f"PO-{len(partner.orders) + 1}"
            partner.orders[reference] = {"po": po, "order": order}
        self._send(201, {"po": po, "state": "OK"})

    def _send(self, status: int, payload: object) -> None:
        body = json.dumps(payload).encode()
        head = (
            f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"Date: {self.date_time_string()}\r\n\r\n"
        )
        self.wfile.write(head.encode("latin-1") + body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: pytest shows failures, not every request."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    partner: FourthPartner


def fourth_partner_start() -> FourthPartner:
    """Start the partner on a free loopback port in a daemon thread."""
    server = _Server(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, name="fourth-partner", daemon=True)
    partner = FourthPartner(server=server, thread=thread)
    server.partner = partner
    thread.start()
    return partner


def fourth_partner_stop(partner: FourthPartner) -> None:
    partner.server.shutdown()
    partner.server.server_close()
    partner.thread.join(timeout=5)
