"""Product pictures drawn on the fly, so the sandbox needs no image files and no downloads."""

from xml.sax.saxutils import escape

from partners.sandbox.catalog import Category, Offer, OfferVariant

SHAPES = {
    Category.APPAREL: '<rect x="70" y="50" width="260" height="220" rx="36" fill="{hex}"/>',
    Category.FOOTWEAR: '<ellipse cx="200" cy="170" rx="150" ry="80" fill="{hex}"/>',
    Category.HOME: '<circle cx="200" cy="160" r="115" fill="{hex}"/>',
}


def image_svg(offer: Offer, item: OfferVariant) -> bytes:
    """A 400x400 SVG: a shape in the variant's colour, the product name and the colour name."""
    colour = item.variant.colour
    shape = SHAPES[offer.product.category].format(hex=colour.hex)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400">'
        '<rect width="400" height="400" fill="#f7f7f5"/>'
        f"{shape}"
        '<text x="200" y="330" font-family="sans-serif" font-size="22" text-anchor="middle"'
        f' fill="#222">{escape(offer.product.name)}</text>'
        '<text x="200" y="362" font-family="sans-serif" font-size="16" text-anchor="middle"'
        f' fill="#666">{escape(colour.name)}</text>'
        "</svg>"
    ).encode()
