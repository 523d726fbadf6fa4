"""The same few calls made to each partner its own way, so one test can cover all three."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from partners.sandbox.partner_server import PartnerSandbox
from tests.partners.sandbox.client import PartnerClient, Reply, basic_auth, stridewell_token
from tests.partners.sandbox.picks import in_stock

# The partners with a product range and multi-line orders; Baywater, which has neither, has tests
# of its own (test_baywater.py).
PARTNERS = ["threadline", "stridewell", "hearth"]


@dataclass
class Subject:
    partner: PartnerSandbox
    client: PartnerClient

    @property
    def name(self) -> str:
        return self.partner.name.value

    def lookup(self, **options: Any) -> Reply:
        _, item = in_stock(self.partner)
        path = {
            "threadline": "/v1/products/by-barcode/{}",
            "stridewell": "/api/v2/barcodes/{}",
            "hearth": "/api/items/by-ean/{}",
        }[self.name]
        return self.client.get(path.format(item.variant.gtin), **options)

    def place(self, reference: str, *lines: tuple[str, int], **options: Any) -> Reply:
        if self.name == "threadline":
            lines_json = {"lines": [{"sku": sku, "quantity": qty} for sku, qty in lines]}
            return self.client.post_json(
                "/v1/orders", lines_json, {"Idempotency-Key": reference}, **options
            )
        if self.name == "stridewell":
            order_json = {
                "client_reference": reference,
                "items": [{"sku_code": sku, "qty": qty} for sku, qty in lines],
            }
            return self.client.post_json("/api/v2/orders", order_json, **options)
        rows = "".join(f'<Line code="{sku}" qty="{qty}"/>' for sku, qty in lines)
        xml = f"<Order><OrderRef>{reference}</OrderRef><Lines>{rows}</Lines></Order>"
        return self.client.post_xml("/api/orders", xml, **options)

    def parse(self, body: bytes) -> Any:
        """Raise as a client's parser would if the body is not this partner's format."""
        if self.name == "hearth":
            return ET.fromstring(body)  # noqa: S314 - our own sandbox's answer
        return json.loads(body)

    def order_id(self, reply: Reply) -> str:
        if self.name == "threadline":
            return reply.json()["id"]
        if self.name == "stridewell":
            return reply.json()["order_id"]
        return reply.xml().findtext("OrderNo") or ""

    def line_outcomes(self, reply: Reply) -> list[tuple[str | None, str | None]]:
        if self.name == "threadline":
            return [(line["status"], line["reject_reason"]) for line in reply.json()["lines"]]
        if self.name == "stridewell":
            return [(item["state"], item["rejection_reason"]) for item in reply.json()["items"]]
        return [(line.get("status"), line.get("reason")) for line in reply.xml().iter("Line")]

    def error_code(self, reply: Reply) -> str:
        if self.name == "threadline":
            return reply.json()["error"]["code"]
        if self.name == "stridewell":
            return reply.json()["error"]
        return reply.xml().findtext("Code") or ""


def subject_for(sandbox: Any, name: str) -> Subject:
    partner = sandbox.by_name(name)
    if name == "threadline":
        auth = {"X-Api-Key": partner.api_key}
    elif name == "stridewell":
        auth = {"Authorization": f"Bearer {stridewell_token(partner)}"}
    else:
        auth = basic_auth(partner.username, partner.password)
    return Subject(partner, PartnerClient(partner.base_url, auth))
