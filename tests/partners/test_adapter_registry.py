"""Code adapters: registered by name, chosen per partner, and usable from Test connection."""

import pytest

from partners.adapters import registry
from partners.adapters.base import PartnerAdapter
from partners.adapters.declarative import DeclarativeAdapter
from partners.connection_test import partner_connection_test
from partners.http import PartnerUnavailable
from partners.mapping import Product
from partners.models import PartnerCall
from partners.operations import Operation
from tests.factories import PartnerFactory


class FixedCatalogueAdapter(PartnerAdapter):
    """A partner reached by code: it carries exactly one barcode, and is down for another."""

    def supports(self, operation):
        return operation == Operation.LOOKUP

    def lookup(self, code, quantity=1):
        self.new_work_check(Operation.LOOKUP)
        if code == "0000000000000":
            raise PartnerUnavailable("down for maintenance", operation="lookup", partner="fixed")
        return Product(partner_product_id="FX-1", name="Fixed") if code == "5012345678900" else None

    search = similar = place_order = order_status = cancel_order = None


@pytest.fixture
def fixed_adapter(monkeypatch):
    monkeypatch.setitem(registry._ADAPTERS, "fixed-catalogue", FixedCatalogueAdapter)


@pytest.mark.django_db
def test_a_partner_uses_the_adapter_it_names(fixed_adapter):
    coded = PartnerFactory(adapter="fixed-catalogue")
    declarative = PartnerFactory()

    assert isinstance(registry.adapter_for(coded), FixedCatalogueAdapter)
    assert isinstance(registry.adapter_for(declarative), DeclarativeAdapter)
    assert registry.adapter_names() == ["declarative", "fixed-catalogue"]


@pytest.mark.django_db
def test_an_unknown_adapter_is_a_clear_error():
    partner = PartnerFactory(adapter="gone")

    with pytest.raises(LookupError, match="uses the adapter 'gone', which does not exist"):
        registry.adapter_for(partner)


def test_a_second_adapter_cannot_take_a_registered_name(fixed_adapter):
    with pytest.raises(ValueError, match="already registered"):
        registry.adapter_register("fixed-catalogue")(DeclarativeAdapter)


@pytest.mark.django_db
def test_test_connection_shows_a_code_adapter_result_and_error(fixed_adapter):
    partner = PartnerFactory(adapter="fixed-catalogue")

    found = partner_connection_test(partner=partner, operation="lookup", value="5012345678900")
    missing = partner_connection_test(partner=partner, operation="lookup", value="4006381333931")
    down = partner_connection_test(partner=partner, operation="lookup", value="0000000000000")

    assert (found.ok, '"partner_product_id": "FX-1"' in found.canonical) == (True, True)
    assert (missing.ok, missing.summary) == (
        True,
        f"{partner} answered: 4006381333931 is not carried. This proves nothing yet: test "
        "with something the partner has.",
    )
    assert (down.ok, down.errors) == (False, ["down for maintenance"])
    assert not PartnerCall.objects.exists()
    # Each run is recorded; only the one that found the item proves the lookup.
    assert list(partner.proofs.order_by("pk").values_list("value", "passed")) == [
        ("5012345678900", True),
        ("4006381333931", False),
        ("0000000000000", False),
    ]
