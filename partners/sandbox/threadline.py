"""Threadline: a modern REST/JSON partner with an API key, prices in pence and nested variants.

Endpoints (all need `X-Api-Key` except images):
  GET  /v1/products/by-barcode/{gtin}       product + "matched_sku"; 404 when not carried
  GET  /v1/products/{product_number}        product
  GET  /v1/products?q=words&limit=20        {"items": [product], "count": n}
  GET  /v1/products/{product_number}/similar {"items": [product]}
  POST /v1/orders                           Idempotency-Key header required; 201 new, 200 repeat
  GET  /v1/orders/{id}                      order
  POST /v1/orders/{id}/cancel               order; 409 once shipped
"""

from __future__ import annotations

import hmac
import json
from decimal import Decimal
from typing import Any, ClassVar

from partners.sandbox.catalog import Offer, PartnerName
from partners.sandbox.faults import Operation
from partners.sandbox.http_io import (
    HttpError,
    Request,
    Response,
    Route,
    json_response,
    route,
)
from partners.sandbox.orders import Carrier, Order, RejectReason, UnknownSkuError
from partners.sandbox.partner_server import PartnerSandbox, json_order_lines

API_KEY = "tl_demo_4f9c2a7e1b55"  # fixed demo credential, loopback sandbox only
SEARCH_LIMIT_DEFAULT = 20
SEARCH_LIMIT_MAX = 50
ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    411: "length_required",
    413: "payload_too_large",
    422: "unprocessable_entity",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}
REJECT_REASONS = {
    RejectReason.OUT_OF_STOCK: "insufficient_stock",
    RejectReason.DECLINED: "declined_by_partner",
}


def pence(amount: Decimal) -> int:
    return int(amount * 100)


class ThreadlineSandbox(PartnerSandbox):
    name = PartnerName.THREADLINE
    content_type = "application/json"
    carrier = Carrier("Royal Mail", "TL")
    api_key: ClassVar[str] = API_KEY

    def routes(self) -> list[Route]:
        return [
            route("GET", "/v1/products/by-barcode/{gtin}", Operation.LOOKUP_CODE, self._by_barcode),
            route("GET", "/v1/products", Operation.SEARCH, self._search),
            route("GET", "/v1/products/{number}", Operation.LOOKUP_NUMBER, self._by_number),
            route("GET", "/v1/products/{number}/similar", Operation.SIMILAR, self._similar),
            route("POST", "/v1/orders", Operation.ORDER_PLACE, self._order_place),
            route("GET", "/v1/orders/{order_id}", Operation.ORDER_STATUS, self._order_status),
            route("POST", "/v1/orders/{order_id}/cancel", Operation.ORDER_CANCEL, self._cancel),
        ]

    def authenticate(self, request: Request) -> None:
        given = request.headers.get("X-Api-Key")
        if not given:
            raise HttpError(401, "Missing X-Api-Key header")
        if not hmac.compare_digest(given.encode(), self.api_key.encode()):
            raise HttpError(401, "Invalid API key")

    def order_id(self, sequence: int) -> str:
        return f"TLO-{sequence:06d}"

    def error_body(self, error: HttpError) -> bytes:
        code = error.code or ERROR_CODES.get(error.status, "error")
        return json.dumps(
            {"error": {"code": code, "message": error.message, **error.extra}}
        ).encode()

    def huge_body(self, size: int) -> bytes:
        return json.dumps({"items": [], "padding": "x" * size}).encode()

    def webhook_body(self, order: Order) -> bytes:
        return json.dumps(
            {
                "event": "order.status_changed",
                "event_id": f"{order.id}.{order.status.value}",
                "order": self._order_json(order),
            }
        ).encode()

    # --- Catalogue ---

    def _by_barcode(self, request: Request) -> Response:
        gtin = request.params["gtin"]
        found = self.catalog.by_gtin(gtin)
        if found is None:
            raise HttpError(404, f"Barcode {gtin} is not in the Threadline range")
        offer, item = found
        return json_response(200, {**self._product_json(offer), "matched_sku": item.sku})

    def _by_number(self, request: Request) -> Response:
        return json_response(200, self._product_json(self._offer(request.params["number"])))

    def _search(self, request: Request) -> Response:
        text = request.query.get("q", "").strip()
        if not text:
            raise HttpError(400, "Give a search text in ?q=")
        limit = request.query.get("limit", str(SEARCH_LIMIT_DEFAULT))
        if not limit.isdigit() or not 1 <= int(limit) <= SEARCH_LIMIT_MAX:
            raise HttpError(400, f"limit must be 1 to {SEARCH_LIMIT_MAX}")
        found = self.catalog.search(text)
        items = [self._product_json(offer) for offer in found[: int(limit)]]
        return json_response(200, {"items": items, "count": len(found)})

    def _similar(self, request: Request) -> Response:
        offer = self._offer(request.params["number"])
        return json_response(
            200, {"items": [self._product_json(other) for other in self.catalog.similar(offer)]}
        )

    def _offer(self, number: str) -> Offer:
        offer = self.catalog.by_number(number)
        if offer is None:
            raise HttpError(404, f"No product {number}")
        return offer

    def _product_json(self, offer: Offer) -> dict[str, Any]:
        product = offer.product
        return {
            "product_number": offer.product_number,
            "name": product.name,
            "brand": product.brand,
            "description": product.description,
            "category": product.category.value,
            "currency": "GBP",
            "dispatch_days": offer.lead_time_days,
            "images": [self.image_url(sku) for sku in offer.image_skus()],
            "variants": [
                {
                    "sku": item.sku,
                    "gtin": item.variant.gtin,
                    "size": item.variant.size.label,
                    "colour": item.variant.colour.name,
                    "price_cents": pence(offer.cost),
                    "rrp_cents": pence(offer.rrp),
                    "stock": self.orders.stock(item.sku),
                }
                for item in offer.variants
            ],
        }

    # --- Orders ---

    def _order_place(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            raise HttpError(
                400, "An Idempotency-Key header is required", code="idempotency_key_missing"
            )
        payload = request.json()
        requested = json_order_lines(
            payload, list_key="lines", sku_key="sku", quantity_key="quantity", noun="line"
        )
        ship_to = payload.get("ship_to")
        if ship_to is not None and not isinstance(ship_to, dict):
            raise HttpError(422, "ship_to must be an object")
        try:
            order, created = self.orders.place(
                reference=key,
                lines=requested,
                ship_to=ship_to,
                decline_first_line=request.reject_line,
            )
        except UnknownSkuError as error:
            raise HttpError(422, f"Unknown SKU {error.sku!r}", code="unknown_sku") from None
        return json_response(201 if created else 200, self._order_json(order))

    def _order_status(self, request: Request) -> Response:
        return json_response(200, self._order_json(self.orders.get(request.params["order_id"])))

    def _cancel(self, request: Request) -> Response:
        return json_response(200, self._order_json(self.order_cancel(request.params["order_id"])))

    def _order_json(self, order: Order) -> dict[str, Any]:
        shipment = order.shipment
        return {
            "id": order.id,
            "idempotency_key": order.reference,
            "status": order.status.value,
            "created_at": order.placed_at.isoformat().replace("+00:00", "Z"),
            "updated_at": order.updated_at.isoformat().replace("+00:00", "Z"),
            "currency": "GBP",
            "total_cents": pence(order.total),
            "lines": [
                {
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "price_cents": pence(line.unit_cost),
                    "status": "accepted" if line.accepted else "rejected",
                    "reject_reason": REJECT_REASONS[line.reject_reason]
                    if line.reject_reason
                    else None,
                }
                for line in order.lines
            ],
            "ship_to": order.ship_to,
            "shipment": None
            if shipment is None
            else {
                "carrier": shipment.carrier,
                "tracking_number": shipment.tracking_number,
                "tracking_url": shipment.tracking_url,
            },
        }
