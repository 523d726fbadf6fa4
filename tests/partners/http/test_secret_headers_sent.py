"""How calls send secret headers: with every request to the partner's own origin, never to
its OAuth2 token endpoint, and not at all (nothing is sent) when one has no value."""

import pytest

from partners.http.connection import connection_for
from partners.http.errors import Delivery, PartnerAuthFailed
from partners.models import Partner, PartnerCall
from partners.services import partner_secret_headers_set
from tests.factories import PartnerFactory
from tests.partners.http.helpers import OAUTH2_PARTNER
from tests.partners.http.local_server import Reply

pytestmark = pytest.mark.django_db

TOKEN = "pt-secret-5521"


def fresh(partner: Partner) -> Partner:
    """The partner as a call reads it, credentials included."""
    return Partner.objects.get(pk=partner.pk)


def test_a_secret_header_without_a_value_stops_the_call_before_sending(client, serve, settings):
    server = serve(lambda request: Reply(200))
    settings.PARTNER_HOST_ALLOWLIST = [server.netloc]
    partner = PartnerFactory(base_url=server.base_url, secret_header_names=["X-Partner-Token"])

    with pytest.raises(PartnerAuthFailed) as raised:
        client.send(
            connection_for(partner), operation="lookup", method="GET", path="/x", idempotent=True
        )

    assert raised.value.message == (
        "The secret header 'X-Partner-Token' has no value: enter it for the partner."
    )
    assert raised.value.delivery == Delivery.NOT_SENT
    assert server.received == []
    assert list(PartnerCall.objects.values_list("outcome", "delivery")) == [
        ("auth_failed", "not_sent")
    ]


def test_the_token_endpoint_of_an_oauth2_partner_does_not_get_the_secret_headers(
    client, serve, settings
):
    server = serve(
        lambda request: (
            Reply(200, {"Content-Type": "application/json"}, b'{"access_token": "tok-1"}')
            if request.target == "/oauth/token"
            else Reply(200)
        )
    )
    settings.PARTNER_HOST_ALLOWLIST = [server.netloc]
    partner = PartnerFactory(base_url=server.base_url, **OAUTH2_PARTNER)
    partner_secret_headers_set(partner=partner, values={"X-Partner-Token": TOKEN})

    client.send(
        connection_for(fresh(partner)), operation="lookup", method="GET", path="/x", idempotent=True
    )

    token_request, lookup_request = server.received
    assert token_request.target == "/oauth/token"
    assert "X-Partner-Token" not in token_request.headers
    assert (lookup_request.headers["X-Partner-Token"], lookup_request.headers["Authorization"]) == (
        TOKEN,
        "Bearer tok-1",
    )
