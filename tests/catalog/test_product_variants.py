"""The product page's picked variant against the sandbox partners: every partner that carries
the picked variant offers it, including one that answers with availability alone (Baywater
speaks only of the code it is asked about)."""

import re

from django.urls import reverse

from partners.models import PartnerCall
from stores.roles import Role
from tests.catalog.conftest import partner_calls

pytestmark = partner_calls


def two_variants_baywater_stocks(sandbox) -> tuple[str, str]:
    """Two GTINs of one product that Baywater and Threadline both carry."""
    baywater, threadline = sandbox.baywater.catalog, sandbox.threadline.catalog
    for offer in threadline.offers:
        gtins = [
            item.variant.gtin for item in offer.variants if baywater.by_gtin(item.variant.gtin)
        ]
        if len(gtins) >= 2:
            return gtins[0].zfill(14), gtins[1].zfill(14)
    raise AssertionError("no such product in the sandbox catalogue")


def test_a_picked_variant_is_offered_by_the_availability_only_partner_too(
    client, user_in_role, priced, sandbox
):
    scanned, picked = two_variants_baywater_stocks(sandbox)
    client.force_login(user_in_role(Role.ASSOCIATE))

    html = client.get(reverse("catalog:product", args=[scanned]), {"variant": picked}).content
    html = html.decode()

    assert f'data-gtin="{picked}"' in html
    assert "offer-baywater" in re.findall(r'data-testid="(offer-[a-z]+)"', html)
    codes = PartnerCall.objects.filter(partner=priced["baywater"], operation="lookup")
    assert codes.count() == 1


def test_a_variant_of_another_item_shows_the_page_s_own_item(client, user_in_role, priced, sandbox):
    scanned, _ = two_variants_baywater_stocks(sandbox)
    other = next(
        item.variant.gtin.zfill(14)
        for offer in sandbox.hearth.catalog.offers
        for item in offer.variants
        if not sandbox.threadline.catalog.by_gtin(item.variant.gtin)
    )
    client.force_login(user_in_role(Role.ASSOCIATE))

    html = client.get(reverse("catalog:product", args=[scanned]), {"variant": other}).content
    html = html.decode()

    assert f'data-gtin="{scanned}"' in html
    assert f'data-gtin="{other}"' not in html
    assert "offer-threadline" in html
