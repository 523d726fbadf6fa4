"""Hearth & Home: an older XML-over-HTTP partner with HTTP Basic auth and its own element names.

Endpoints (all need Basic auth except images; bodies are `application/xml`):
  GET  /api/items/by-ean/{gtin}        <Item> with <MatchedOption>; 404 <Error> when not carried
  GET  /api/items/{item_code}          <Item>
  GET  /api/items?name=words&max=25    <Items count="n"><Item/>...</Items>
  GET  /api/items/{item_code}/similar  <Items>
  POST /api/orders                     <Order> with <OrderRef>; 201 new, 200 original on a repeat
  GET  /api/orders/{order_no}          <Order>
  POST /api/orders/{order_no}/cancel   <Order>; 409 once despatched
"""

from __future__ import annotations

import base64
import binascii
import hmac
import xml.etree.ElementTree as ET
from typing import ClassVar

from partners.sandbox.catalog import Offer, OfferVariant, PartnerName
from partners.sandbox.faults import Operation
from partners.sandbox.http_io import (
    HttpError,
    Request,
    Response,
    Route,
    route,
)
from partners.sandbox.orders import (
    Carrier,
    LineRequest,
    Order,
    OrderStatus,
    RejectReason,
    UnknownSkuError,
)
from partners.sandbox.partner_server import PartnerSandbox

USERNAME = "endless-aisle"
PASSWORD = "hh-demo-pass-2291"  # noqa: S105 - fixed demo credential, loopback sandbox only
CONTENT_TYPE = "application/xml"
XML_CONTENT_TYPES = frozenset({"application/xml", "text/xml"})
SEARCH_MAX_DEFAULT = 25
SEARCH_MAX_LIMIT = 100
STATUSES = {
    OrderStatus.ACCEPTED: "Accepted",
    OrderStatus.REJECTED: "Rejected",
    OrderStatus.SHIPPED: "Despatched",
    OrderStatus.DELIVERED: "Delivered",
    OrderStatus.CANCELLED: "Cancelled",
}
REJECT_REASONS = {RejectReason.OUT_OF_STOCK: "NoStock", RejectReason.DECLINED: "Declined"}
ERROR_CODES = {
    400: "BadRequest",
    401: "NotAuthorised",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    411: "LengthRequired",
    413: "TooLarge",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "Unavailable",
}


def xml_bytes(element: ET.Element) -> bytes:
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    child = ET.SubElement(parent, tag, attributes)
    child.text = text
    return child


class HearthSandbox(PartnerSandbox):
    name = PartnerName.HEARTH
    content_type = CONTENT_TYPE
    carrier = Carrier("Parcelforce", "HH")
    username: ClassVar[str] = USERNAME
    password: ClassVar[str] = PASSWORD

    def routes(self) -> list[Route]:
        return [
            route("GET", "/api/items/by-ean/{gtin}", Operation.LOOKUP_CODE, self._by_ean),
            route("GET", "/api/items", Operation.SEARCH, self._search),
            route("GET", "/api/items/{code}", Operation.LOOKUP_NUMBER, self._by_code),
            route("GET", "/api/items/{code}/similar", Operation.SIMILAR, self._similar),
            route("POST", "/api/orders", Operation.ORDER_PLACE, self._order_place),
            route("GET", "/api/orders/{order_no}", Operation.ORDER_STATUS, self._order_status),
            route("POST", "/api/orders/{order_no}/cancel", Operation.ORDER_CANCEL, self._cancel),
        ]

    def authenticate(self, request: Request) -> None:
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        challenge = [("WWW-Authenticate", 'Basic realm="Hearth & Home", charset="UTF-8"')]
        if scheme.lower() != "basic":
            raise HttpError(401, "Basic authentication is required", headers=challenge)
        try:
            username, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise HttpError(401, "Malformed Basic credentials", headers=challenge) from None
        if not (
            hmac.compare_digest(username.encode(), self.username.encode())
            and hmac.compare_digest(password.encode(), self.password.encode())
        ):
            raise HttpError(401, "Unknown user or wrong password", headers=challenge)

    def order_id(self, sequence: int) -> str:
        return f"HH-ORD-{sequence:06d}"

    def error_body(self, error: HttpError) -> bytes:
        root = ET.Element("Error")
        sub(root, "Code", error.code or ERROR_CODES.get(error.status, "Error"))
        sub(root, "Message", error.message)
        return xml_bytes(root)

    def huge_body(self, size: int) -> bytes:
        root = ET.Element("Items", count="0")
        sub(root, "Padding", "x" * size)
        return xml_bytes(root)

    def webhook_body(self, order: Order) -> bytes:
        root = ET.Element("OrderStatusNotification")
        sub(root, "NotificationId", f"{order.id}-{STATUSES[order.status]}")
        root.append(self._order_xml(order))
        return xml_bytes(root)

    # --- Catalogue ---

    def _by_ean(self, request: Request) -> Response:
        gtin = request.params["gtin"]
        found = self.catalog.by_gtin(gtin)
        if found is None:
            raise HttpError(404, f"EAN {gtin} is not stocked by Hearth & Home")
        offer, option = found
        item = self._item_xml(offer)
        sub(item, "MatchedOption", option.sku)
        return self._xml(200, item)

    def _by_code(self, request: Request) -> Response:
        return self._xml(200, self._item_xml(self._offer(request.params["code"])))

    def _search(self, request: Request) -> Response:
        name = request.query.get("name", "").strip()
        if not name:
            raise HttpError(400, "Give a search text in ?name=")
        limit = request.query.get("max", str(SEARCH_MAX_DEFAULT))
        if not limit.isdigit() or not 1 <= int(limit) <= SEARCH_MAX_LIMIT:
            raise HttpError(400, f"max must be 1 to {SEARCH_MAX_LIMIT}")
        found = self.catalog.search(name)
        return self._items(found[: int(limit)], total=len(found))

    def _similar(self, request: Request) -> Response:
        similar = self.catalog.similar(self._offer(request.params["code"]))
        return self._items(similar, total=len(similar))

    def _offer(self, code: str) -> Offer:
        offer = self.catalog.by_number(code)
        if offer is None:
            raise HttpError(404, f"No item {code}")
        return offer

    def _items(self, offers: list[Offer], *, total: int) -> Response:
        root = ET.Element("Items", count=str(total))
        root.extend(self._item_xml(offer) for offer in offers)
        return self._xml(200, root)

    def _item_xml(self, offer: Offer) -> ET.Element:
        product = offer.product
        item = ET.Element("Item")
        sub(item, "ItemCode", offer.product_number)
        sub(item, "Description", product.name)
        sub(item, "Brand", product.brand)
        sub(item, "Category", product.category.value.capitalize())
        sub(item, "Details", product.description)
        sub(item, "Price", f"{offer.cost:.2f}", currency="GBP")
        sub(item, "RRP", f"{offer.rrp:.2f}", currency="GBP")
        sub(item, "LeadTimeDays", str(offer.lead_time_days))
        images = sub(item, "Images")
        for sku in offer.image_skus():
            sub(images, "Image", href=self.image_url(sku))
        options = sub(item, "Options")
        for option in offer.variants:
            self._option_xml(options, option)
        return item

    def _option_xml(self, parent: ET.Element, option: OfferVariant) -> None:
        sub(
            parent,
            "Option",
            code=option.sku,
            size=option.variant.size.label,
            colour=option.variant.colour.name,
            ean=option.variant.gtin,
            stock=str(self.orders.stock(option.sku)),
        )

    # --- Orders ---

    def _order_place(self, request: Request) -> Response:
        root = self._parse(request)
        reference = (root.findtext("OrderRef") or "").strip()
        if root.tag != "Order" or not reference:
            raise HttpError(422, "Send an <Order> with an <OrderRef>")
        lines = root.findall("./Lines/Line")
        if not lines:
            raise HttpError(422, 'An order needs <Lines><Line code="..." qty="1"/></Lines>')
        requested = []
        for number, line in enumerate(lines, start=1):
            code, quantity = line.get("code"), line.get("qty", "")
            if not code or not quantity.isdigit() or int(quantity) < 1:
                raise HttpError(422, f"Line {number} needs a code and a positive whole qty")
            requested.append(LineRequest(code, int(quantity)))
        deliver_to = root.find("DeliverTo")
        try:
            order, created = self.orders.place(
                reference=reference,
                lines=requested,
                ship_to=None
                if deliver_to is None
                else {child.tag: child.text or "" for child in deliver_to},
                decline_first_line=request.reject_line,
            )
        except UnknownSkuError as error:
            raise HttpError(422, f"Unknown item option {error.sku!r}", code="UnknownCode") from None
        return self._xml(201 if created else 200, self._order_xml(order))

    def _parse(self, request: Request) -> ET.Element:
        media_type = request.headers.get_content_type()
        if media_type not in XML_CONTENT_TYPES:
            raise HttpError(415, f"Send XML (application/xml), not {media_type}")
        try:
            # Stdlib parsing is acceptable here: loopback only, bodies capped at 1 MiB, and
            # Python's bundled expat refuses entity-expansion bombs.
            return ET.fromstring(request.body)  # noqa: S314
        except ET.ParseError as error:
            raise HttpError(400, f"The body is not well-formed XML: {error}") from None

    def _order_status(self, request: Request) -> Response:
        return self._xml(200, self._order_xml(self.orders.get(request.params["order_no"])))

    def _cancel(self, request: Request) -> Response:
        return self._xml(200, self._order_xml(self.order_cancel(request.params["order_no"])))

    def _order_xml(self, order: Order) -> ET.Element:
        root = ET.Element("Order")
        sub(root, "OrderNo", order.id)
        sub(root, "OrderRef", order.reference)
        sub(root, "Status", STATUSES[order.status])
        sub(root, "Placed", order.placed_at.strftime("%Y-%m-%dT%H:%M:%S"))
        sub(root, "Total", f"{order.total:.2f}", currency="GBP")
        lines = sub(root, "Lines")
        for line in order.lines:
            attributes = {
                "code": line.sku,
                "qty": str(line.quantity),
                "price": f"{line.unit_cost:.2f}",
                "status": "Accepted" if line.accepted else "Rejected",
            }
            if line.reject_reason is not None:
                attributes["reason"] = REJECT_REASONS[line.reject_reason]
            sub(lines, "Line", **attributes)
        if order.ship_to is not None:
            deliver_to = sub(root, "DeliverTo")
            for tag, text in order.ship_to.items():
                sub(deliver_to, tag, str(text))
        if order.shipment is not None:
            sub(
                root,
                "Despatch",
                carrier=order.shipment.carrier,
                tracking=order.shipment.tracking_number,
                url=order.shipment.tracking_url,
            )
        return root

    def _xml(self, status: int, element: ET.Element) -> Response:
        return Response(status, xml_bytes(element), CONTENT_TYPE)
