"""Baywater Wholesale: a wholesaler that only says whether it can supply a barcode, takes one item
per order, knows items by EAN alone, and signs everything.

It has no names, pictures or prices to show: the catalogue supplies those from other partners.
Requests must be HMAC-signed (see `authenticate`); its status pushes are signed over a timestamp
and the body, with the timestamp in a header, so a receiver can refuse old replays.

Endpoints (JSON; all but images need a signed request):
  GET  /v1/availability/{ean}?qty=N   {"ean", "qty", "status": "IN_STOCK" | "OUT_OF_STOCK"};
                                      404 when not stocked; the EAN must have 13 digits
  POST /v1/orders                     {"order_ref", "item": {"ean", "qty"}, "deliver_to"}: ONE
                                      item per order (a list of several answers 422
                                      one_item_per_order); 201; a repeated order_ref answers
                                      409 with the original order_no
  GET  /v1/orders/{order_no}          order
  POST /v1/orders/{order_no}/void     order; 409 once in transit
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any, ClassVar

from partners.sandbox.catalog import PartnerName
from partners.sandbox.faults import Operation
from partners.sandbox.http_io import HttpError, Request, Response, Route, json_response, route
from partners.sandbox.orders import (
    Carrier,
    LineRequest,
    Order,
    OrderStatus,
    RejectReason,
    UnknownSkuError,
)
from partners.sandbox.partner_server import PartnerSandbox
from partners.sandbox.webhooks import WebhookSigning

KEY_ID = "bw-demo-key"
SECRET = "bw_demo_hmac_secret_51e0"  # noqa: S105 - fixed demo credential, loopback sandbox only
SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Timestamp"
KEY_ID_HEADER = "X-Key-Id"
TIMESTAMP_TOLERANCE_SECONDS = 300
STATUSES = {
    OrderStatus.ACCEPTED: "OPEN",
    OrderStatus.REJECTED: "REFUSED",
    OrderStatus.SHIPPED: "IN_TRANSIT",
    OrderStatus.DELIVERED: "DELIVERED",
    OrderStatus.CANCELLED: "VOID",
}
REFUSALS = {RejectReason.OUT_OF_STOCK: "NO_STOCK", RejectReason.DECLINED: "DECLINED"}
ERROR_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    411: "length_required",
    413: "too_large",
    422: "invalid",
    429: "slow_down",
    500: "internal",
    503: "unavailable",
}


def string_to_sign(method: str, target: str, timestamp: str, body: bytes) -> bytes:
    """What Baywater's API documentation says a client signs: method, request target,
    timestamp and body, joined by newlines."""
    return b"\n".join((method.upper().encode(), target.encode(), timestamp.encode(), body))


class BaywaterSandbox(PartnerSandbox):
    name = PartnerName.BAYWATER
    content_type = "application/json"
    carrier = Carrier("Evri", "BW")
    webhook_signing = WebhookSigning.TIMESTAMP_BODY
    key_id: ClassVar[str] = KEY_ID
    secret: ClassVar[str] = SECRET

    def routes(self) -> list[Route]:
        return [
            route("GET", "/v1/availability/{ean}", Operation.LOOKUP_CODE, self._availability),
            route("POST", "/v1/orders", Operation.ORDER_PLACE, self._order_place),
            route("GET", "/v1/orders/{order_no}", Operation.ORDER_STATUS, self._order_status),
            route("POST", "/v1/orders/{order_no}/void", Operation.ORDER_CANCEL, self._void),
        ]

    def authenticate(self, request: Request) -> None:
        """An HMAC-SHA256 (hex) of `string_to_sign` under the shared secret, a key id we issued
        and a timestamp within five minutes of ours."""
        signature = request.headers.get(SIGNATURE_HEADER, "")
        timestamp = request.headers.get(TIMESTAMP_HEADER, "")
        if not signature or not timestamp:
            raise HttpError(401, f"Sign the request: {SIGNATURE_HEADER} and {TIMESTAMP_HEADER}")
        if request.headers.get(KEY_ID_HEADER) != self.key_id:
            raise HttpError(401, f"Unknown {KEY_ID_HEADER}")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > (
            TIMESTAMP_TOLERANCE_SECONDS
        ):
            raise HttpError(401, "The request timestamp is more than five minutes off")
        expected = hmac.new(
            self.secret.encode(),
            string_to_sign(request.method, request.target, timestamp, request.body),
            hashlib.sha256,
        ).hexdigest()
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            raise HttpError(401, "The signature does not match the request")

    def order_id(self, sequence: int) -> str:
        return f"BWO{sequence:07d}"

    def error_body(self, error: HttpError) -> bytes:
        code = error.code or ERROR_CODES.get(error.status, "error")
        return json.dumps(
            {"error": {"code": code, "detail": error.message, **error.extra}}
        ).encode()

    def huge_body(self, size: int) -> bytes:
        return json.dumps({"padding": "x" * size}).encode()

    def webhook_body(self, order: Order) -> bytes:
        return json.dumps({"topic": "order.status", "order": self._order_json(order)}).encode()

    # --- Availability ---

    def _availability(self, request: Request) -> Response:
        ean = request.params["ean"]
        if len(ean) != 13 or not ean.isdigit():
            raise HttpError(400, f"ean must be the 13-digit EAN, not {ean!r}")
        quantity = request.query.get("qty", "")
        if not quantity.isdigit() or int(quantity) < 1:
            raise HttpError(400, "Give the quantity wanted in ?qty= (a whole number, 1 or more)")
        found = self.catalog.by_gtin(ean)
        if found is None:
            raise HttpError(404, f"EAN {ean} is not stocked by Baywater")
        in_stock = self.orders.stock(found[1].sku) >= int(quantity)
        return json_response(
            200,
            {
                "ean": ean,
                "qty": int(quantity),
                "status": "IN_STOCK" if in_stock else "OUT_OF_STOCK",
            },
        )

    # --- Orders ---

    def _order_place(self, request: Request) -> Response:
        payload = request.json()
        if not isinstance(payload, dict):
            raise HttpError(422, "The body must be a JSON object")
        reference = payload.get("order_ref")
        if not isinstance(reference, str) or not reference.strip():
            raise HttpError(422, "order_ref is required")
        item = payload.get("item")
        if isinstance(item, list):
            raise HttpError(
                422,
                f"Baywater takes one item per order; this order has {len(item)}. "
                "Send each item as its own order.",
                code="one_item_per_order",
            )
        ean = item.get("ean") if isinstance(item, dict) else None
        quantity = item.get("qty") if isinstance(item, dict) else None
        if not isinstance(ean, str) or type(quantity) is not int or quantity < 1:
            raise HttpError(422, 'Give one item: {"item": {"ean": "…", "qty": 1}}')
        deliver_to = payload.get("deliver_to")
        if deliver_to is not None and not isinstance(deliver_to, dict):
            raise HttpError(422, "deliver_to must be an object")
        try:
            order, created = self.orders.place(
                reference=reference,
                lines=[LineRequest(ean, quantity)],
                ship_to=deliver_to,
                decline_first_line=request.reject_line,
            )
        except UnknownSkuError as error:
            raise HttpError(422, f"EAN {error.sku} is not stocked", code="unknown_ean") from None
        if not created:
            raise HttpError(
                409,
                f"An order with order_ref {reference!r} already exists",
                code="duplicate_order_ref",
                extra={"order_no": order.id},
            )
        return json_response(201, self._order_json(order))

    def _order_status(self, request: Request) -> Response:
        return json_response(200, self._order_json(self.orders.get(request.params["order_no"])))

    def _void(self, request: Request) -> Response:
        return json_response(200, self._order_json(self.order_cancel(request.params["order_no"])))

    def _order_json(self, order: Order) -> dict[str, Any]:
        (line,) = order.lines
        shipment = order.shipment
        return {
            "order_no": order.id,
            "order_ref": order.reference,
            "status": STATUSES[order.status],
            "updated_at": order.updated_at.isoformat().replace("+00:00", "Z"),
            "item": {
                "ean": line.sku,
                "qty": line.quantity,
                "unit_cost": f"{line.unit_cost:.2f}",
                "currency": "GBP",
                "status": "ALLOCATED" if line.accepted else "REFUSED",
                "refusal": REFUSALS[line.reject_reason] if line.reject_reason else None,
            },
            "deliver_to": order.ship_to,
            "shipment": None
            if shipment is None
            else {
                "carrier": shipment.carrier,
                "tracking_no": shipment.tracking_number,
                "tracking_url": shipment.tracking_url,
            },
        }
