"""What the sandbox partners share: lifecycle, request flow, faults, orders and webhooks.

A partner subclass only declares its routes, its authentication and its wire format. Everything
a test or benchmark drives (faults, latency, counters, status changes) works the same way on all
of them: in Python on this object, or over HTTP under `/_sandbox/` (see control.py).
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import replace
from email.message import Message
from typing import ClassVar, Self
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

from partners.sandbox.catalog import Catalog, PartnerCatalog, PartnerName, catalog_default
from partners.sandbox.concurrency import ConcurrencyGauge, Gate
from partners.sandbox.control import control_respond, control_routes
from partners.sandbox.faults import (
    FAULTS_BEFORE_HANDLING,
    MEBIBYTE,
    FaultKind,
    FaultPlan,
    FaultRule,
    Operation,
    fault_rule_build,
)
from partners.sandbox.http_io import (
    HttpError,
    Request,
    Response,
    Route,
    SandboxHTTPServer,
    match_route,
    route,
)
from partners.sandbox.images import image_svg
from partners.sandbox.orders import (
    Carrier,
    LineRequest,
    Order,
    OrderBook,
    OrderCounters,
    OrderNotFoundError,
    OrderStatus,
    OrderTransitionError,
)
from partners.sandbox.webhooks import (
    DEFAULT_WEBHOOK_SECRET,
    WebhookPusher,
    WebhookSigning,
    WebhookTarget,
)

logger = logging.getLogger(__name__)

TICK_SECONDS = 0.05
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost"})


def json_order_lines(
    payload: object, *, list_key: str, sku_key: str, quantity_key: str, noun: str
) -> list[LineRequest]:
    """The order lines of a JSON order body; a 422 naming the first bad line otherwise."""
    items = payload.get(list_key) if isinstance(payload, dict) else None
    if not isinstance(items, list) or not items:
        raise HttpError(
            422, f'Give at least one {noun}: {{"{list_key}": [{{"{sku_key}", "{quantity_key}"}}]}}'
        )
    requested = []
    for number, item in enumerate(items, start=1):
        sku = item.get(sku_key) if isinstance(item, dict) else None
        quantity = item.get(quantity_key) if isinstance(item, dict) else None
        if not isinstance(sku, str) or type(quantity) is not int or quantity < 1:
            raise HttpError(
                422,
                f"{noun.capitalize()} {number} needs a {sku_key} and a positive integer "
                f"{quantity_key}",
            )
        requested.append(LineRequest(sku, quantity))
    return requested


class PartnerSandbox(ABC):
    """One simulated partner on its own loopback port; subclasses give it a personality."""

    name: ClassVar[PartnerName]
    content_type: ClassVar[str]
    carrier: ClassVar[Carrier]
    # How this partner signs its status pushes unless a webhook is set with another scheme.
    webhook_signing: ClassVar[WebhookSigning] = WebhookSigning.BODY

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        catalog: Catalog | None = None,
        status_advance_seconds: float | None = None,
    ) -> None:
        if host not in LOOPBACK_HOSTS:
            raise ValueError(f"The sandbox partners only listen on loopback, not {host}.")
        self.catalog = PartnerCatalog(catalog or catalog_default(), self.name)
        self._http = SandboxHTTPServer((host, port), self)
        self.base_url = f"http://{host}:{self._http.server_address[1]}"
        self.orders = OrderBook(
            order_id=self.order_id,
            carrier=self.carrier,
            tracking_url=lambda number: f"{self.base_url}/track/{number}",
            costs={
                item.sku: offer.cost for offer in self.catalog.offers for item in offer.variants
            },
            stock={
                item.sku: item.stock for offer in self.catalog.offers for item in offer.variants
            },
        )
        self.faults = FaultPlan()
        self._initial_status_advance_seconds = status_advance_seconds
        self._status_advance_seconds = status_advance_seconds
        self._latency_ms = 0
        self._webhooks = WebhookPusher(self.name)
        self._stopping = threading.Event()
        self.concurrency = ConcurrencyGauge()
        self._gate = Gate(self._stopping, TICK_SECONDS)
        self._started = False
        self._threads = [
            threading.Thread(
                target=self._http.serve_forever,
                args=(TICK_SECONDS,),  # how often it checks for stop(): keep stopping quick
                name=f"sandbox-{self.name}-http",
            ),
            threading.Thread(target=self._advance_over_time, name=f"sandbox-{self.name}-ticker"),
        ]
        self._routes = [
            *self.routes(),
            route("GET", "/images/{sku}.svg", Operation.IMAGE, self._image, public=True),
            route("GET", "/track/{tracking_number}", None, self._tracking_page, public=True),
        ]
        self._control_routes = [*control_routes(self), *self.extra_control_routes()]

    # --- What a partner defines ---

    @abstractmethod
    def routes(self) -> list[Route]:
        """The partner's own API."""

    @abstractmethod
    def authenticate(self, request: Request) -> None:
        """Raise HttpError(401) unless the request carries this partner's credentials."""

    @abstractmethod
    def order_id(self, sequence: int) -> str:
        """The partner's id for its `sequence`-th order."""

    @abstractmethod
    def error_body(self, error: HttpError) -> bytes:
        """`error` in the partner's format."""

    @abstractmethod
    def huge_body(self, size: int) -> bytes:
        """A well-formed body of about `size` bytes in the partner's format."""

    @abstractmethod
    def webhook_body(self, order: Order) -> bytes:
        """The status-change notification the partner pushes for `order`."""

    def extra_control_routes(self) -> list[Route]:
        return []

    # --- Lifecycle ---

    def start(self) -> Self:
        self._started = True
        self._webhooks.start()
        for thread in self._threads:
            thread.daemon = True
            thread.start()
        logger.info("sandbox partner %s listening on %s", self.name, self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving; handlers still sleeping out a timeout fault wake up and finish."""
        self._stopping.set()
        if self._started:
            self._http.shutdown()
            self._webhooks.stop()
            for thread in self._threads:
                thread.join()
            self._started = False
        self._http.server_close()

    # --- Control API (the same operations are served under /_sandbox/) ---

    def faults_set(
        self,
        kind: FaultKind | str,
        *,
        count: int | None = None,
        operations: Iterable[Operation | str] | None = None,
        timeout_seconds: float = 30.0,
        huge_bytes: int = 5 * MEBIBYTE,
        retry_after_seconds: int = 1,
    ) -> FaultRule:
        """Inject `kind` into the next `count` requests (all until cleared if None)."""
        rule = fault_rule_build(
            kind,
            count=count,
            operations=operations,
            timeout_seconds=timeout_seconds,
            huge_bytes=huge_bytes,
            retry_after_seconds=retry_after_seconds,
        )
        self.faults.add(rule)
        return rule

    def faults_clear(self) -> None:
        self.faults.clear()

    def latency_set(self, milliseconds: int) -> None:
        """Delay every partner API request (not the control API) by `milliseconds`."""
        if milliseconds < 0:
            raise ValueError("latency cannot be negative")
        self._latency_ms = milliseconds

    def hold_set(self, holding: bool) -> None:
        """Hold every partner API request (not the control API) until called with False."""
        if holding:
            self._gate.close()
        else:
            self._gate.open()

    def webhook_set(
        self,
        url: str | None,
        secret: str = DEFAULT_WEBHOOK_SECRET,
        signing: WebhookSigning | str | None = None,
        *,
        cafile: str | None = None,
    ) -> None:
        """Push status changes to `url`, signed with `secret` under `signing` (by default the
        partner's own scheme), trusting `cafile` for https; None stops pushing."""
        scheme = self.webhook_signing if signing is None else WebhookSigning(signing)
        self._webhooks.configure(
            None if url is None else WebhookTarget(url, secret, scheme, cafile=cafile)
        )

    def status_advance_set(self, seconds: float | None) -> None:
        """Advance each order one status after `seconds` in it; None waits for order_advance."""
        if seconds is not None and seconds <= 0:
            raise ValueError("seconds must be positive, or None to advance only on request")
        self._status_advance_seconds = seconds

    def order_advance(self, order_id: str, to: OrderStatus | str | None = None) -> Order:
        """Move an order on now (one step, or through to `to`), pushing each change."""
        changes = self.orders.advance(order_id, None if to is None else OrderStatus(to))
        self._push(changes)
        return changes[-1]

    def counters(self) -> OrderCounters:
        return self.orders.counters()

    def reset(self) -> None:
        """Back to the start: no orders, full stock, no faults, latency, hold, webhook or
        pending push, and concurrency counted afresh."""
        self.orders.reset()
        self.faults.clear()
        self._latency_ms = 0
        self._gate.open()
        self.concurrency.reset()
        self._status_advance_seconds = self._initial_status_advance_seconds
        self._webhooks.reset()

    def state(self) -> dict[str, object]:
        counters = self.counters()
        target = self._webhooks.target
        return {
            "partner": self.name.value,
            "orders_created": counters.orders_created,
            "order_requests": counters.order_requests,
            "latency_ms": self._latency_ms,
            "holding": not self._gate.is_open,
            "in_flight": self.concurrency.in_flight,
            "peak_in_flight": self.concurrency.peak,
            "status_advance_seconds": self._status_advance_seconds,
            "webhook_url": target.url if target else None,
            "webhook_signing": (target.signing if target else self.webhook_signing).value,
            "faults": [rule.as_dict() for rule in self.faults.rules()],
        }

    # --- Helpers for partner handlers ---

    def image_url(self, sku: str) -> str:
        return f"{self.base_url}/images/{sku}.svg"

    def order_cancel(self, order_id: str) -> Order:
        order, changed = self.orders.cancel(order_id)
        if changed:
            self._push([order])
        return order

    # --- Serving ---

    def respond(self, method: str, target: str, headers: Message, body: bytes) -> Response:
        """The complete answer to one HTTP request, faults included."""
        url = urlsplit(target)
        path = unquote(url.path)
        query = {
            key: values[0] for key, values in parse_qs(url.query, keep_blank_values=True).items()
        }
        if path.startswith("/_sandbox/"):
            return control_respond(
                self._control_routes, Request(method, path, query, headers, body)
            )
        with self.concurrency.counted():
            self._gate.pass_through()
            return self._partner_respond(method, target, path, query, headers, body)

    def _partner_respond(
        self,
        method: str,
        target: str,
        path: str,
        query: dict[str, str],
        headers: Message,
        body: bytes,
    ) -> Response:
        try:
            matched, params = match_route(self._routes, method, path)
        except HttpError as error:
            return self.error_response(error)
        operation = matched.operation
        if operation is Operation.ORDER_PLACE:
            self.orders.request_received()
        if self._latency_ms:
            self._stopping.wait(self._latency_ms / 1000)
        fault = self.faults.take(operation) if operation is not None else None
        if fault is not None and fault.kind in FAULTS_BEFORE_HANDLING:
            return self._fault_response(fault)
        request = Request(method, path, query, headers, body, params, fault, target)
        try:
            if not matched.public:
                self.authenticate(request)
            response = matched.handler(request)
        except HttpError as error:
            response = self.error_response(error)
        except (OrderNotFoundError, OrderTransitionError) as error:
            response = self.error_response(self._order_error(error))
        except Exception:
            logger.exception("sandbox partner %s failed on %s %s", self.name, method, path)
            response = self.error_response(HttpError(500, "The sandbox failed; see its log"))
        return self._spoil(response, fault) if fault is not None else response

    def error_response(self, error: HttpError) -> Response:
        return Response(error.status, self.error_body(error), self.content_type, error.headers)

    def _order_error(self, error: OrderNotFoundError | OrderTransitionError) -> HttpError:
        if isinstance(error, OrderNotFoundError):
            return HttpError(404, f"No order {error.args[0]}")
        return HttpError(409, str(error))

    def _fault_response(self, fault: FaultRule) -> Response:
        if fault.kind is FaultKind.RATE_LIMITED:
            return self.error_response(
                HttpError(
                    429,
                    "Too many requests",
                    headers=[("Retry-After", str(fault.retry_after_seconds))],
                )
            )
        return self.error_response(HttpError(503, "Service temporarily unavailable"))

    def _spoil(self, response: Response, fault: FaultRule) -> Response:
        """Damage an answer the partner has already acted on, as the fault asks."""
        if fault.kind is FaultKind.TIMEOUT:
            self._stopping.wait(fault.timeout_seconds)
            return response
        if fault.kind is FaultKind.MALFORMED:
            return replace(response, body=response.body[: len(response.body) // 2])
        if fault.kind is FaultKind.WRONG_CONTENT_TYPE:
            return replace(response, content_type="text/html; charset=utf-8")
        if fault.kind is FaultKind.HUGE:
            return replace(response, body=self.huge_body(fault.huge_bytes))
        return response

    def _push(self, orders: Iterable[Order]) -> None:
        for order in orders:
            self._webhooks.push(self.webhook_body(order), self.content_type)

    def _advance_over_time(self) -> None:
        while not self._stopping.wait(TICK_SECONDS):
            seconds = self._status_advance_seconds
            if seconds is not None:
                self._push(self.orders.advance_due(seconds))

    # --- Routes every partner serves ---

    def _image(self, request: Request) -> Response:
        found = self.catalog.by_sku(request.params["sku"])
        if found is None:
            raise HttpError(404, f"No image for SKU {request.params['sku']}")
        return Response(200, image_svg(*found), "image/svg+xml")

    def _tracking_page(self, request: Request) -> Response:
        """What a customer would see at the carrier's tracking link."""
        number = request.params["tracking_number"]
        order = self.orders.by_tracking_number(number)
        if order is None or order.shipment is None:
            return Response(404, b"<!doctype html><p>Unknown tracking number</p>", "text/html")
        page = (
            f"<!doctype html><title>Tracking {escape(number)}</title>"
            f"<h1>{escape(order.shipment.carrier)}</h1>"
            f"<p>Parcel {escape(number)}: {escape(order.status.value)}</p>"
        )
        return Response(200, page.encode(), "text/html; charset=utf-8")
