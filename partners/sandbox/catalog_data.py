"""The words the seed catalogue is made from: categories, sizes, colours, brands, item types.

Kept apart from the generator so that adding a product type or a colour is an edit to a table,
not to code. The brand names are made up for the sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    APPAREL = "apparel"
    FOOTWEAR = "footwear"
    HOME = "home"


@dataclass(frozen=True)
class Colour:
    name: str
    code: str
    hex: str


@dataclass(frozen=True)
class Size:
    label: str
    code: str


@dataclass(frozen=True)
class ProductType:
    """An item type and the qualifiers that suit it ("Merino" jumper, never "Merino" mug)."""

    noun: str
    qualifiers: tuple[str, ...]
    detail: str
    sizes: tuple[Size, ...] | None = None


APPAREL_SIZES = tuple(Size(label, label) for label in ("S", "M", "L", "XL"))
FOOTWEAR_SIZES = tuple(Size(str(eu), str(eu)) for eu in range(38, 47))
ONE_SIZE = (Size("One size", "OS"),)


def dimensions(*labels: str) -> tuple[Size, ...]:
    return tuple(Size(label, label.removesuffix(" cm").replace(" x ", "X")) for label in labels)


COLOURS: dict[Category, tuple[Colour, ...]] = {
    Category.APPAREL: (
        Colour("Navy", "NAV", "#1f2a44"),
        Colour("Charcoal", "CHA", "#36454f"),
        Colour("Oatmeal", "OAT", "#d8cbb0"),
        Colour("Forest Green", "FOR", "#2e5339"),
        Colour("Burgundy", "BUR", "#6d1a36"),
        Colour("Black", "BLK", "#151515"),
        Colour("Sky Blue", "SKY", "#8fb8de"),
    ),
    Category.FOOTWEAR: (
        Colour("Black", "BLK", "#151515"),
        Colour("Tan", "TAN", "#b5834f"),
        Colour("Dark Brown", "DBR", "#4a2f1d"),
        Colour("White", "WHT", "#f2f2ee"),
        Colour("Grey", "GRY", "#8a8d91"),
        Colour("Navy", "NAV", "#1f2a44"),
    ),
    Category.HOME: (
        Colour("Natural", "NAT", "#e6dccb"),
        Colour("Sage", "SAG", "#9caf88"),
        Colour("Terracotta", "TER", "#c46a4a"),
        Colour("Slate", "SLA", "#5a6670"),
        Colour("Ivory", "IVO", "#f4efe2"),
        Colour("Ochre", "OCH", "#cc9a3a"),
    ),
}

BRANDS: dict[Category, tuple[str, ...]] = {
    Category.APPAREL: (
        "Fenwick & Hale",
        "Northbound Supply",
        "Albion Thread",
        "Marlow & Finch",
        "Kestrel Outdoor",
    ),
    Category.FOOTWEAR: (
        "Ashford Cordwainers",
        "Peakline",
        "Hollis Shoemakers",
        "Runwell",
        "Cobble & Last",
    ),
    Category.HOME: (
        "Kiln & Loom",
        "Oakhurst Living",
        "Saltmarsh Home",
        "Willow & Slate",
        "Bramble House",
    ),
}

PRODUCT_TYPES: dict[Category, tuple[ProductType, ...]] = {
    Category.APPAREL: (
        ProductType(
            "Crew Jumper",
            ("Merino", "Lambswool", "Cashmere", "Cable-Knit", "Ribbed Cotton", "Alpaca Blend"),
            "A close-knit crew neck with ribbed cuffs and hem.",
        ),
        ProductType(
            "Oxford Shirt",
            ("Organic Cotton", "Brushed", "Slim-Fit", "Classic", "Button-Down", "Stretch"),
            "Woven from a soft basket-weave cotton with a curved hem.",
        ),
        ProductType(
            "Chino Trousers",
            ("Stretch Cotton", "Garment-Dyed", "Tapered", "Relaxed", "Pleated", "Twill"),
            "A mid-rise chino with slanted pockets and a button fly.",
        ),
        ProductType(
            "Hooded Sweatshirt",
            ("Loopback", "Heavyweight", "Organic Cotton", "Zip-Through", "Brushed Fleece"),
            "A lined hood, kangaroo pocket and ribbed trims.",
        ),
        ProductType(
            "Quilted Gilet",
            ("Lightweight", "Recycled", "Diamond", "Insulated", "Packable"),
            "A warm layer with press-stud fastening and zipped pockets.",
        ),
        ProductType(
            "Rain Jacket",
            ("Waterproof", "Packable", "Seam-Sealed", "Hooded", "Breathable"),
            "A taped-seam shell with an adjustable hood and storm flap.",
        ),
        ProductType(
            "Polo Shirt",
            ("Pique", "Jersey", "Merino", "Knitted", "Long-Sleeve"),
            "A two-button placket and a soft knitted collar.",
        ),
        ProductType(
            "Cardigan",
            ("Shawl-Collar", "Lambswool", "Chunky", "Merino", "Cotton"),
            "Horn-effect buttons and deep patch pockets.",
        ),
        ProductType(
            "Overshirt",
            ("Corduroy", "Wool-Blend", "Moleskin", "Twill", "Flannel"),
            "A heavier shirt cut to wear open as a light jacket.",
        ),
        ProductType(
            "T-Shirt",
            ("Organic Cotton", "Slub", "Heavyweight", "Pocket", "Striped", "Linen-Blend"),
            "A regular fit with a taped neck that keeps its shape.",
        ),
        ProductType(
            "Linen Shirt",
            ("Relaxed", "Camp-Collar", "Garment-Dyed", "Band-Collar"),
            "Breathable washed linen for warm days.",
        ),
        ProductType(
            "Joggers",
            ("Loopback", "Tapered", "Technical", "Brushed Fleece", "Cuffed"),
            "An elasticated waist with a drawcord and zipped pockets.",
        ),
        ProductType(
            "Wool Coat",
            ("Tailored", "Double-Breasted", "Car", "Herringbone", "Melton"),
            "A fully lined coat in a dense wool blend.",
        ),
        ProductType(
            "Roll-Neck Jumper",
            ("Merino", "Cashmere", "Ribbed", "Lambswool", "Chunky"),
            "A fold-over neck in a fine, warm knit.",
        ),
    ),
    Category.FOOTWEAR: (
        ProductType(
            "Chelsea Boot",
            ("Leather", "Suede", "Waxed", "Lug-Sole", "Crepe-Sole", "Water-Resistant"),
            "Elasticated sides and a pull tab for easy wear.",
        ),
        ProductType(
            "Desert Boot",
            ("Suede", "Leather", "Crepe-Sole", "Nubuck", "Waxed"),
            "A two-eyelet ankle boot on a natural crepe sole.",
        ),
        ProductType(
            "Trail Running Shoe",
            ("Lightweight", "Waterproof", "Grippy", "Cushioned", "Rock-Plate"),
            "Deep lugs and a protective toe cap for rough ground.",
        ),
        ProductType(
            "Low-Top Trainer",
            ("Canvas", "Leather", "Suede", "Recycled", "Court", "Knitted"),
            "A vulcanised sole with a padded collar.",
        ),
        ProductType(
            "Derby Shoe",
            ("Leather", "Brogue", "Suede", "Commando-Sole", "Polished"),
            "An open-laced derby on a stitched sole.",
        ),
        ProductType(
            "Loafer",
            ("Penny", "Tassel", "Suede", "Leather", "Horsebit"),
            "A slip-on with a moccasin-stitched apron.",
        ),
        ProductType(
            "Walking Boot",
            ("Waterproof", "Leather", "Lightweight", "Insulated", "Vibram-Sole"),
            "A padded ankle and a breathable waterproof lining.",
        ),
        ProductType(
            "Road Running Shoe",
            ("Cushioned", "Stability", "Lightweight", "Carbon-Plate", "Neutral"),
            "A responsive foam midsole and an engineered mesh upper.",
        ),
        ProductType(
            "Slipper",
            ("Sheepskin", "Felt", "Moccasin", "Shearling-Lined", "Knitted"),
            "A soft lined upper on a light indoor-outdoor sole.",
        ),
        ProductType(
            "Sandal",
            ("Leather", "Sport", "Cork-Footbed", "Two-Strap", "Woven"),
            "Adjustable straps on a contoured footbed.",
        ),
        ProductType(
            "High-Top Trainer",
            ("Canvas", "Leather", "Suede", "Basketball", "Padded"),
            "An ankle-height trainer with a cushioned insole.",
        ),
        ProductType(
            "Hiking Shoe",
            ("Waterproof", "Breathable", "Approach", "Lightweight", "Grippy"),
            "A low-cut hiker with a supportive heel counter.",
        ),
        ProductType(
            "Brogue Boot",
            ("Leather", "Country", "Commando-Sole", "Suede", "Polished"),
            "Punched detailing and a Goodyear-welted sole.",
        ),
        ProductType(
            "Boat Shoe",
            ("Leather", "Suede", "Canvas", "Two-Eyelet", "Siped-Sole"),
            "A rawhide lace and a non-marking siped sole.",
        ),
    ),
    Category.HOME: (
        ProductType(
            "Cushion Cover",
            ("Linen", "Velvet", "Boucle", "Woven", "Embroidered", "Chunky-Knit"),
            "A hidden zip and a feather-pad-friendly fit.",
            dimensions("45 x 45 cm", "50 x 50 cm"),
        ),
        ProductType(
            "Throw",
            ("Wool", "Cotton", "Waffle", "Herringbone", "Chunky-Knit", "Faux-Fur"),
            "A generous throw for sofa or bed, finished with fringing.",
            dimensions("130 x 170 cm", "150 x 200 cm"),
        ),
        ProductType(
            "Mug Set",
            ("Stoneware", "Reactive-Glaze", "Speckled", "Porcelain", "Hand-Thrown"),
            "A set of four, dishwasher and microwave safe.",
        ),
        ProductType(
            "Table Lamp",
            ("Ceramic", "Brass", "Rattan", "Marble-Base", "Mushroom", "Glass"),
            "Supplied with a linen shade; takes an E27 bulb.",
        ),
        ProductType(
            "Serving Board",
            ("Oak", "Walnut", "Acacia", "Marble", "Olive-Wood"),
            "Oiled by hand, with a carved handle.",
        ),
        ProductType(
            "Bath Towel",
            ("Organic Cotton", "Waffle", "Turkish Cotton", "Ribbed", "Linen"),
            "A heavy, absorbent weave that softens with washing.",
            dimensions("70 x 130 cm", "90 x 160 cm"),
        ),
        ProductType(
            "Duvet Cover",
            ("Washed Linen", "Percale", "Cotton Sateen", "Seersucker", "Striped"),
            "Button fastening, with internal corner ties.",
            dimensions("135 x 200 cm", "200 x 200 cm", "230 x 220 cm"),
        ),
        ProductType(
            "Vase",
            ("Stoneware", "Glass", "Ribbed", "Bud", "Terracotta"),
            "Watertight and glazed inside for fresh flowers.",
        ),
        ProductType(
            "Dinner Plate Set",
            ("Stoneware", "Porcelain", "Rimmed", "Speckled", "Reactive-Glaze"),
            "A set of four plates, 27 cm across.",
        ),
        ProductType(
            "Scented Candle",
            ("Fig", "Cedarwood", "Sea Salt", "Amber", "Fresh Linen", "Black Pepper"),
            "Soy wax with a cotton wick; about 45 hours of burn time.",
        ),
        ProductType(
            "Storage Basket",
            ("Seagrass", "Rattan", "Felt", "Jute", "Woven"),
            "Hand-woven, with two carry handles.",
            dimensions("30 x 30 cm", "40 x 40 cm"),
        ),
        ProductType(
            "Wall Mirror",
            ("Round", "Arched", "Rattan", "Brass-Framed", "Oak-Framed"),
            "Ready to hang, with a bevelled glass edge.",
        ),
        ProductType(
            "Rug",
            ("Jute", "Wool", "Flatweave", "Berber", "Striped"),
            "A hard-wearing weave for living rooms and hallways.",
            dimensions("120 x 170 cm", "160 x 230 cm"),
        ),
        ProductType(
            "Table Runner",
            ("Linen", "Block-Print", "Woven", "Fringed", "Jute"),
            "Pre-washed for a soft, relaxed drape.",
            dimensions("40 x 180 cm"),
        ),
    ),
}
