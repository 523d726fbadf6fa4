"""Realistic partner payloads and the mappings a merchandiser would write for them."""

# A JSON partner with nested variants (colours → sizes) and prices in integer cents.
CENTS_LOOKUP_MAPPING = """
status = 404 ? null : (
  $p := body.product;
  {
    "partner_product_id": $p.id,
    "name": $p.title,
    "brand": $p.brand.name,
    "description": $p.description,
    "category": $join($p.category_path, " > "),
    "images": $p.media[type = "image"].url[],
    "currency": $p.currency,
    "variants": [$p.colours.(
      $colour := name;
      sizes.{
        "partner_sku": sku,
        "gtin": ean,
        "attributes": {"colour": $colour, "size": size},
        "cost": price_cents / 100,
        "available_quantity": stock,
        "delivery_days": lead_time_days
      }
    )],
    "similar": $p.related[]
  }
)
"""

COLOURS = ("Black", "Blue", "Red", "Grey")
GTINS = ("5012345678900", "4006381333931", "0012345678905", "96385074")


def cents_partner_body(*, colours: int = 2, sizes: int = 2) -> dict:
    """A product with colours times sizes variants; size n costs 8990 + 100 * n cents."""
    return {
        "product": {
            "id": "SW-1001",
            "title": "Trail Runner 2",
            "brand": {"name": "Stridewell"},
            "description": "A light trail shoe.",
            "category_path": ["Shoes", "Running"],
            "media": [
                {"type": "image", "url": "https://cdn.stridewell.example/sw1001-1.jpg"},
                {"type": "video", "url": "https://cdn.stridewell.example/sw1001.mp4"},
            ],
            "currency": "EUR",
            "colours": [
                {
                    "name": COLOURS[colour],
                    "sizes": [
                        {
                            "sku": f"SW-1001-{COLOURS[colour][:3].upper()}-{40 + size}",
                            "ean": GTINS[size % len(GTINS)],
                            "size": str(40 + size),
                            "price_cents": 8990 + 100 * size,
                            "stock": size,
                            "lead_time_days": 2,
                        }
                        for size in range(sizes)
                    ],
                }
                for colour in range(colours)
            ],
            "related": ["SW-1002"],
        }
    }


# A partner answering with a flat list of SKUs, attributes as name/value pairs, prices as text.
FLAT_SKU_LOOKUP_MAPPING = """
$count(body.items) = 0 ? null : (
  $first := body.items[0];
  $skus := body.items[parentNumber = $first.parentNumber];
  {
    "partner_product_id": $first.parentNumber,
    "name": $first.productName,
    "brand": $first.brandName,
    "currency": $first.currency,
    "images": $distinct($skus.imageUrl),
    "variants": [$skus.{
      "partner_sku": itemNumber,
      "gtin": gtin13,
      "cost": price,
      "available_quantity": $number(qty),
      "delivery_date": eta,
      "attributes": $merge(attributes.{name: value})
    }]
  }
)
"""

FLAT_SKU_SEARCH_MAPPING = """
{
  "products": [$each(body.items{parentNumber: $}, function($skus, $id) {
    {
      "partner_product_id": $id,
      "name": $skus[0].productName,
      "currency": $skus[0].currency,
      "variants": [$skus.{"partner_sku": itemNumber, "cost": price}]
    }
  })],
  "next_page": body.nextCursor,
  "total": body.totalCount
}
"""


def flat_sku_body() -> dict:
    def sku(number: str, parent: str, name: str, size: str, price: str, qty: str) -> dict:
        return {
            "itemNumber": number,
            "parentNumber": parent,
            "productName": name,
            "brandName": "Threadline",
            "gtin13": "4006381333931" if size == "S" else None,
            "price": price,
            "currency": "GBP",
            "qty": qty,
            "eta": "2025-04-02",
            "imageUrl": f"https://img.threadline.example/{parent}.jpg",
            "attributes": [
                {"name": "size", "value": size},
                {"name": "colour", "value": "White"},
            ],
        }

    return {
        "items": [
            sku("TL-200-S", "TL-200", "Linen Shirt", "S", "49.90", "5"),
            sku("TL-200-M", "TL-200", "Linen Shirt", "M", "49.90", "0"),
            sku("TL-300-M", "TL-300", "Linen Trousers", "M", "69.00", "2"),
        ],
        "nextCursor": "c2",
        "totalCount": 7,
    }


PLACE_ORDER_RESPONSE_MAPPING = """
status = 409 ? {
  "partner_order_id": body.order_id,
  "status": "accepted",
  "duplicate": true
} : status = 422 ? {
  "partner_order_id": $input.reference,
  "status": "rejected",
  "lines": body.errors.{"partner_sku": sku, "accepted": false, "reason": message}
} : {
  "partner_order_id": body.order_id,
  "status": $lookup({"OK": "accepted", "HELD": "pending"}, body.state) ?: body.state,
  "lines": body.lines.{"partner_sku": sku, "accepted": ok},
  "expected_ship_date": body.ships_on
}
"""

# An XML partner: our order as <order>, its confirmation as <confirmation>.
XML_PLACE_ORDER_REQUEST_MAPPING = """
{
  "headers": {"X-Reference": reference},
  "body": {"order": {
    "@ref": reference,
    "customer": {"name": customer.name, "email": customer.email},
    "address": {
      "@country": ship_to.country,
      "street": ship_to.line1,
      "city": ship_to.city,
      "zip": ship_to.postal_code
    },
    "line": lines.{
      "@sku": partner_sku,
      "@qty": quantity,
      "price": $formatNumber(unit_cost, "0.00")
    }
  }}
}
"""

XML_CONFIRMATION = """<?xml version="1.0" encoding="UTF-8"?>
<confirmation number="TH-77812" state="accepted">
  <line sku="TL-200-S" ok="true"/>
  <line sku="TL-300-M" ok="false">Out of stock</line>
  <ships>2025-04-03</ships>
</confirmation>
"""

XML_PLACE_ORDER_RESPONSE_MAPPING = """
(
  $c := body.confirmation;
  {
    "partner_order_id": $c.`@number`,
    "status": $c.`@state`,
    "expected_ship_date": $c.ships,
    "lines": $c.line.{
      "partner_sku": `@sku`,
      "accepted": `@ok` = "true",
      "reason": `#text`
    }
  }
)
"""
