"""Catalogue entries the tests need, chosen by rule from the partner's own view."""

from partners.sandbox.catalog import Offer, OfferVariant, catalog_default
from partners.sandbox.partner_server import PartnerSandbox

# A valid GTIN-13 (the GS1 textbook example) that no sandbox partner carries.
UNKNOWN_GTIN = "4006381333931"


def in_stock(
    partner: PartnerSandbox, minimum: int = 2, skip: int = 0
) -> tuple[Offer, OfferVariant]:
    """The (skip+1)-th variant with at least `minimum` in stock, in catalogue order."""
    found = [
        (offer, item)
        for offer in partner.catalog.offers
        for item in offer.variants
        if item.stock >= minimum
    ]
    return found[skip]


def gtin_carried_elsewhere(partner: PartnerSandbox) -> str:
    """A catalogue GTIN that other partners carry but `partner` does not."""
    return next(
        variant.gtin
        for product in catalog_default().products
        for variant in product.variants
        if partner.catalog.by_gtin(variant.gtin) is None
    )
