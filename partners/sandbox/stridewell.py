"""Stridewell: OAuth2 client credentials, a flat list of SKUs, decimal-string prices, paging.

Everything is a flat SKU record; a client groups them by `style_no` to rebuild a product.
Endpoints (all but the token endpoint and images need `Authorization: Bearer <token>`):
  POST /oauth/token                        grant_type=client_credentials; id+secret in body or Basic
  GET  /api/v2/barcodes/{gtin}             {"data": sku}; 404 when not carried
  GET  /api/v2/styles/{style_no}           {"data": [sku]}
  GET  /api/v2/skus?query=&page=&page_size= {"data", "page", "page_size", "total", "next_page"}
  GET  /api/v2/skus?barcode={gtin}         every SKU of the style carrying it; 404 when not carried
  GET  /api/v2/styles/{style_no}/similar   {"data": [sku]}
  POST /api/v2/orders                      201; a repeated client_reference answers 409 + order_id
  GET  /api/v2/orders/{order_id}           order
  POST /api/v2/orders/{order_id}/cancellation  order; 409 once dispatched
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
import threading
import time
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote

from partners.sandbox.catalog import Offer, OfferVariant, PartnerName
from partners.sandbox.faults import Operation
from partners.sandbox.http_io import (
    HttpError,
    Request,
    Response,
    Route,
    json_response,
    route,
)
from partners.sandbox.orders import (
    Carrier,
    Order,
    OrderStatus,
    RejectReason,
    UnknownSkuError,
)
from partners.sandbox.partner_server import PartnerSandbox, json_order_lines

CLIENT_ID = "endless-aisle-demo"
CLIENT_SECRET = "sw_demo_secret_8d31c0"  # noqa: S105 - fixed demo credential, loopback sandbox only
PAGE_SIZE_DEFAULT = 25
PAGE_SIZE_MAX = 100
STATES = {
    OrderStatus.ACCEPTED: "CONFIRMED",
    OrderStatus.REJECTED: "REJECTED",
    OrderStatus.SHIPPED: "DISPATCHED",
    OrderStatus.DELIVERED: "DELIVERED",
    OrderStatus.CANCELLED: "CANCELLED",
}
REJECT_REASONS = {RejectReason.OUT_OF_STOCK: "OUT_OF_STOCK", RejectReason.DECLINED: "DECLINED"}
ERROR_CODES = {
    400: "invalid_request",
    401: "invalid_token",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    411: "length_required",
    413: "payload_too_large",
    422: "validation_failed",
    429: "rate_limit_exceeded",
    500: "server_error",
    503: "temporarily_unavailable",
}


class TokenStore:
    """Issued bearer tokens and when they expire. Expired tokens are kept so that a client is
    told its token *expired* (refresh it) rather than that it is unknown."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}

    def issue(self, ttl_seconds: int) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._expiry[token] = time.monotonic() + ttl_seconds
        return token

    def check(self, token: str) -> str | None:
        """None when valid, else why not."""
        with self._lock:
            expiry = self._expiry.get(token)
        if expiry is None:
            return "The access token is not recognised"
        if time.monotonic() >= expiry:
            return "The access token expired"
        return None

    def expire_all(self) -> None:
        with self._lock:
            self._expiry = dict.fromkeys(self._expiry, 0.0)


class StridewellSandbox(PartnerSandbox):
    name = PartnerName.STRIDEWELL
    content_type = "application/json"
    carrier = Carrier("DPD", "SW")
    client_id: ClassVar[str] = CLIENT_ID
    client_secret: ClassVar[str] = CLIENT_SECRET
    token_ttl_seconds: ClassVar[int] = 300

    def __init__(self, **options: Any) -> None:
        self.tokens = TokenStore()
        super().__init__(**options)

    def routes(self) -> list[Route]:
        return [
            route("POST", "/oauth/token", Operation.TOKEN, self._token, public=True),
            route("GET", "/api/v2/barcodes/{gtin}", Operation.LOOKUP_CODE, self._by_barcode),
            route("GET", "/api/v2/styles/{style_no}", Operation.LOOKUP_NUMBER, self._style),
            route("GET", "/api/v2/skus", Operation.SEARCH, self._search),
            route("GET", "/api/v2/styles/{style_no}/similar", Operation.SIMILAR, self._similar),
            route("POST", "/api/v2/orders", Operation.ORDER_PLACE, self._order_place),
            route("GET", "/api/v2/orders/{order_id}", Operation.ORDER_STATUS, self._order_status),
            route(
                "POST",
                "/api/v2/orders/{order_id}/cancellation",
                Operation.ORDER_CANCEL,
                self._cancel,
            ),
        ]

    def extra_control_routes(self) -> list[Route]:
        return [route("POST", "/_sandbox/tokens/expire", None, self._control_tokens_expire)]

    def authenticate(self, request: Request) -> None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HttpError(
                401,
                "A Bearer access token is required",
                headers=[("WWW-Authenticate", 'Bearer realm="stridewell"')],
            )
        problem = self.tokens.check(token.strip())
        if problem is not None:
            raise HttpError(
                401,
                problem,
                headers=[("WWW-Authenticate", 'Bearer realm="stridewell", error="invalid_token"')],
            )

    def order_id(self, sequence: int) -> str:
        return f"SO{sequence:08d}"

    def error_body(self, error: HttpError) -> bytes:
        code = error.code or ERROR_CODES.get(error.status, "error")
        return json.dumps(
            {"error": code, "error_description": error.message, **error.extra}
        ).encode()

    def huge_body(self, size: int) -> bytes:
        return json.dumps({"data": [], "debug": "x" * size}).encode()

    def webhook_body(self, order: Order) -> bytes:
        return json.dumps(
            {
                "type": "ORDER_STATE_CHANGED",
                "id": f"{order.id}:{STATES[order.status]}",
                "occurred_at": int(order.updated_at.timestamp()),
                "data": self._order_json(order),
            }
        ).encode()

    def tokens_expire(self) -> None:
        """Make every token issued so far expired, as if `expires_in` had passed.

        reset() leaves tokens alone: a client's cached token should survive a test's reset, and
        expiry is something a test asks for explicitly, here.
        """
        self.tokens.expire_all()

    # --- OAuth2 ---

    def _token(self, request: Request) -> Response:
        form = {key: values[0] for key, values in parse_qs(request.body.decode("latin-1")).items()}
        if form.get("grant_type") != "client_credentials":
            raise HttpError(
                400,
                "Only grant_type=client_credentials is supported",
                code="unsupported_grant_type",
            )
        client_id, client_secret = self._client_credentials(request, form)
        if not (
            hmac.compare_digest(client_id.encode(), self.client_id.encode())
            and hmac.compare_digest(client_secret.encode(), self.client_secret.encode())
        ):
            raise HttpError(
                401,
                "Client authentication failed",
                code="invalid_client",
                headers=[("WWW-Authenticate", 'Basic realm="stridewell"')],
            )
        return json_response(
            200,
            {
                "access_token": self.tokens.issue(self.token_ttl_seconds),
                "token_type": "Bearer",
                "expires_in": self.token_ttl_seconds,
            },
        )

    @staticmethod
    def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
        """From HTTP Basic (RFC 6749 prefers it) or else from the form body."""
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(encoded, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise HttpError(401, "Malformed Basic credentials", code="invalid_client") from None
            client_id, _, client_secret = decoded.partition(":")
            return unquote(client_id), unquote(client_secret)
        return form.get("client_id", ""), form.get("client_secret", "")

    # --- Catalogue ---

    def _by_barcode(self, request: Request) -> Response:
        gtin = request.params["gtin"]
        found = self.catalog.by_gtin(gtin)
        if found is None:
            raise HttpError(404, f"No SKU with barcode {gtin}")
        return json_response(200, {"data": self._sku_json(*found)})

    def _style(self, request: Request) -> Response:
        return json_response(
            200, {"data": self._skus_json(self._offer(request.params["style_no"]))}
        )

    def _style_of_barcode(self, gtin: str) -> Response:
        """Every SKU of the style that carries the barcode: one call gives all sizes and colours."""
        found = self.catalog.by_gtin(gtin)
        if found is None:
            raise HttpError(404, f"No SKU with barcode {gtin}")
        records = self._skus_json(found[0])
        return json_response(
            200, {"data": records, "page": 1, "page_size": len(records), "total": len(records),
                  "next_page": None},
        )  # fmt: skip

    def _similar(self, request: Request) -> Response:
        offer = self._offer(request.params["style_no"])
        records = [sku for other in self.catalog.similar(offer) for sku in self._skus_json(other)]
        return json_response(200, {"data": records})

    def _search(self, request: Request) -> Response:
        barcode = request.query.get("barcode", "").strip()
        if barcode:
            return self._style_of_barcode(barcode)
        text = request.query.get("query", "").strip()
        if not text:
            raise HttpError(400, "Give a search text in ?query= or a barcode in ?barcode=")
        page = self._positive_int(request, "page", 1)
        page_size = self._positive_int(request, "page_size", PAGE_SIZE_DEFAULT)
        if page_size > PAGE_SIZE_MAX:
            raise HttpError(400, f"page_size can be at most {PAGE_SIZE_MAX}")
        records = [sku for offer in self.catalog.search(text) for sku in self._skus_json(offer)]
        start = (page - 1) * page_size
        return json_response(
            200,
            {
                "data": records[start : start + page_size],
                "page": page,
                "page_size": page_size,
                "total": len(records),
                "next_page": page + 1 if start + page_size < len(records) else None,
            },
        )

    @staticmethod
    def _positive_int(request: Request, name: str, default: int) -> int:
        value = request.query.get(name, str(default))
        if not value.isdigit() or int(value) < 1:
            raise HttpError(400, f"{name} must be a positive whole number")
        return int(value)

    def _offer(self, style_no: str) -> Offer:
        offer = self.catalog.by_number(style_no)
        if offer is None:
            raise HttpError(404, f"No style {style_no}")
        return offer

    def _skus_json(self, offer: Offer) -> list[dict[str, Any]]:
        return [self._sku_json(offer, item) for item in offer.variants]

    def _sku_json(self, offer: Offer, item: OfferVariant) -> dict[str, Any]:
        product = offer.product
        return {
            "sku_code": item.sku,
            "style_no": offer.product_number,
            "title": product.name,
            "brand": product.brand,
            "description": product.description,
            "category": product.category.value.upper(),
            "barcode": item.variant.gtin,
            "attributes": [
                {"name": "size", "value": item.variant.size.label},
                {"name": "colour", "value": item.variant.colour.name},
            ],
            "unit_price": f"{offer.cost:.2f}",
            "rrp": f"{offer.rrp:.2f}",
            "currency": "GBP",
            "qty_available": self.orders.stock(item.sku),
            "lead_time_days": offer.lead_time_days,
            "image_url": self.image_url(item.sku),
        }

    # --- Orders ---

    def _order_place(self, request: Request) -> Response:
        payload = request.json()
        if not isinstance(payload, dict):
            raise HttpError(422, "The body must be a JSON object")
        reference = payload.get("client_reference")
        if not isinstance(reference, str) or not reference.strip():
            raise HttpError(422, "client_reference is required")
        requested = json_order_lines(
            payload, list_key="items", sku_key="sku_code", quantity_key="qty", noun="item"
        )
        delivery = payload.get("delivery")
        if delivery is not None and not isinstance(delivery, dict):
            raise HttpError(422, "delivery must be an object")
        try:
            order, created = self.orders.place(
                reference=reference,
                lines=requested,
                ship_to=delivery,
                decline_first_line=request.reject_line,
            )
        except UnknownSkuError as error:
            raise HttpError(422, f"Unknown sku_code {error.sku!r}", code="unknown_sku") from None
        if not created:
            raise HttpError(
                409,
                f"An order with client_reference {reference!r} already exists",
                code="duplicate_client_reference",
                extra={"order_id": order.id},
            )
        return json_response(201, self._order_json(order))

    def _order_status(self, request: Request) -> Response:
        return json_response(200, self._order_json(self.orders.get(request.params["order_id"])))

    def _cancel(self, request: Request) -> Response:
        return json_response(200, self._order_json(self.order_cancel(request.params["order_id"])))

    def _order_json(self, order: Order) -> dict[str, Any]:
        shipment = order.shipment
        return {
            "order_id": order.id,
            "client_reference": order.reference,
            "state": STATES[order.status],
            "created": int(order.placed_at.timestamp()),
            "currency": "GBP",
            "order_value": f"{order.total:.2f}",
            "items": [
                {
                    "sku_code": line.sku,
                    "qty": line.quantity,
                    "unit_price": f"{line.unit_cost:.2f}",
                    "state": "CONFIRMED" if line.accepted else "REJECTED",
                    "rejection_reason": REJECT_REASONS[line.reject_reason]
                    if line.reject_reason
                    else None,
                }
                for line in order.lines
            ],
            "delivery": order.ship_to,
            "dispatch": None
            if shipment is None
            else {
                "carrier": shipment.carrier,
                "tracking_no": shipment.tracking_number,
                "tracking_link": shipment.tracking_url,
            },
        }

    def _control_tokens_expire(self, _: Request) -> Response:
        self.tokens_expire()
        return json_response(200, {"expired": True})
