"""Redirects: a hop to another origin carries none of the partner's headers, and a write is
never redirected, so an order body cannot be posted to a site the partner points at."""

import pytest

from partners.http.connection import connection_for
from partners.http.errors import Delivery, PartnerBadResponse
from partners.models import Partner
from partners.services import partner_secret_headers_set
from tests.factories import PartnerFactory
from tests.partners.http.helpers import (
    ORDER,
    assert_no_secrets,
    calls_recorded,
    capture_all_logs,
    order_send,
    origin_redirecting_elsewhere,
)
from tests.partners.http.local_server import Reply

pytestmark = pytest.mark.django_db

API_KEY = "tl-live-key-9d31"
PARTNER_TOKEN = "pt-secret-5521"
PARTNER_HEADERS = {
    "Accept": "application/xml",  # a fixed header
    "X-Store": "LDN-01",  # a mapped header
    "Idempotency-Key": "EA-000123-1",
}
# What a request to another origin may carry: framing and identification, nothing of ours.
BARE_HEADERS = {"Host", "User-Agent", "Accept-Encoding"}


@pytest.fixture
def partner_with_secrets(db):
    def make(base_url: str) -> Partner:
        partner = PartnerFactory(
            base_url=base_url,
            auth_type=Partner.AuthType.API_KEY_HEADER,
            api_key_name="X-Api-Key",
            credentials={"api_key": API_KEY},
        )
        partner_secret_headers_set(partner=partner, values={"X-Partner-Token": PARTNER_TOKEN})
        return Partner.objects.get(pk=partner.pk)  # as a call reads it: credentials fresh

    return make


def test_a_redirect_to_another_origin_carries_none_of_the_partners_headers(
    client, serve, allow, partner_with_secrets, caplog
):
    origin, elsewhere = origin_redirecting_elsewhere(serve, allow)
    connection = connection_for(partner_with_secrets(origin.base_url))
    capture_all_logs(caplog)

    response = client.send(
        connection,
        operation="lookup",
        method="GET",
        path="/v1/items",
        headers=PARTNER_HEADERS,
        idempotent=True,
    )

    assert response.status == 200
    ours = {**PARTNER_HEADERS, "X-Api-Key": API_KEY, "X-Partner-Token": PARTNER_TOKEN}
    for received in origin.received:  # both hops on the partner's own origin
        assert {name: received.headers[name] for name in ours} == ours
    (mirrored,) = elsewhere.received
    assert set(mirrored.headers) == BARE_HEADERS
    assert calls_recorded() == [("lookup", 200, "ok", 1)]
    assert_no_secrets(caplog, API_KEY, PARTNER_TOKEN)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_write_is_never_redirected_and_its_outcome_is_unknown(
    client, serve, allow, make_connection, status
):
    elsewhere = serve(lambda request: Reply(201))
    origin = serve(lambda request: Reply(status, {"Location": f"{elsewhere.base_url}/orders"}))
    allow(origin.base_url)
    allow(elsewhere.base_url)

    with pytest.raises(PartnerBadResponse) as raised:
        order_send(client, make_connection(origin.base_url))

    assert (raised.value.status_code, raised.value.delivery) == (status, Delivery.UNKNOWN)
    assert raised.value.message.startswith(f"The partner redirected this request (HTTP {status})")
    assert [(request.method, request.body) for request in origin.received] == [("POST", ORDER)]
    assert elsewhere.received == []
    assert calls_recorded() == [("place_order", status, "bad_response", 1)]


def test_a_write_redirected_on_its_own_origin_is_not_followed_either(
    client, serve, allow, make_connection
):
    server = serve(
        lambda request: (
            Reply(308, {"Location": "/v2/orders"}) if request.target == "/orders" else Reply(201)
        )
    )
    allow(server.base_url)

    with pytest.raises(PartnerBadResponse) as raised:
        client.send(
            make_connection(server.base_url),
            operation="cancel_order",
            method="POST",
            path="/orders",
            body=b"{}",
            idempotent=False,
        )

    assert raised.value.delivery == Delivery.UNKNOWN
    assert [request.target for request in server.received] == ["/orders"]
