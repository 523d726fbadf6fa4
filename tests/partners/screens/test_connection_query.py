"""Test connection shows the query string as sent, with every secret value masked."""

from html import unescape

import pytest

from partners.models import Partner
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import SANDBOX_CREDENTIALS
from tests.partners.admin_pages import url

pytestmark = pytest.mark.django_db

KEY = SANDBOX_CREDENTIALS[PartnerName.THREADLINE]["api_key"]


def search(merchandiser, partner: Partner, text: str):
    return merchandiser.post(
        url("test_connection", partner.pk), {"operation": "search", "value": text}
    )


def test_the_query_string_is_shown(merchandiser, onboarded):
    response = search(merchandiser, onboarded["threadline"], "linen shirt")

    assert response.context["result"].request_line == "GET /v1/products?q=linen+shirt&limit=20"
    assert "GET /v1/products?q=linen+shirt&amp;limit=20" in response.content.decode()


def test_an_api_key_in_the_query_shows_as_its_name_and_a_mask(merchandiser, onboarded):
    partner = onboarded["threadline"]
    Partner.objects.filter(pk=partner.pk).update(
        auth_type=Partner.AuthType.API_KEY_QUERY, api_key_name="api_key"
    )

    response = search(merchandiser, partner, "linen")

    assert response.context["result"].request_line == (
        "GET /v1/products?q=linen&limit=20&api_key=•••"
    )
    assert KEY not in unescape(response.content.decode())


def test_a_secret_a_mapping_copies_into_the_query_is_masked(merchandiser, onboarded):
    partner = onboarded["threadline"]
    partner.operations.filter(operation="search").update(
        request_mapping=f'{{"query": {{"q": query, "token": "{KEY}"}}}}'
    )

    response = search(merchandiser, partner, "linen")

    assert response.context["result"].request_line == "GET /v1/products?q=linen&token=•••"
    assert KEY not in unescape(response.content.decode())
