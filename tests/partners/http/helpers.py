"""Small helpers shared by the partner HTTP client tests."""

from __future__ import annotations

import json
import logging
import socket

import pytest

from partners.models import Partner, PartnerCall
from partners.sandbox.partner_server import PartnerSandbox
from tests.partners.http.local_server import LocalServer, Reply

# The Partner fields of an OAuth2 partner whose token endpoint is /oauth/token on its own host.
OAUTH2_PARTNER = {
    "auth_type": Partner.AuthType.OAUTH2_CLIENT_CREDENTIALS,
    "oauth_token_url": "/oauth/token",
    "credentials": {"client_id": "ea-client", "client_secret": "ea-secret"},
}
# A valid GTIN-13 (the GS1 textbook example) that no sandbox partner carries.
UNKNOWN_GTIN = "4006381333931"


def carried_gtin(partner: PartnerSandbox) -> str:
    return partner.catalog.offers[0].variants[0].variant.gtin


def order_body(sku: str) -> bytes:
    return json.dumps({"lines": [{"sku": sku, "quantity": 1}]}).encode()


ORDER = order_body("TL-1")


def order_send(client, connection, *, path: str = "/orders", body: bytes = ORDER, **options):
    """POST an order as the order pipeline does: a write (never retried) with its idempotency
    key. `options` go to `send` (e.g. a deadline)."""
    return client.send(
        connection,
        operation="place_order",
        method="POST",
        path=path,
        headers={"Idempotency-Key": "EA-000123-1"},
        body=body,
        content_type="application/json",
        idempotent=False,
        **options,
    )


def sandbox_order_send(client, connection, sandbox):
    """`order_send` to the Threadline sandbox partner, for the first SKU it carries."""
    sku = sandbox.threadline.catalog.offers[0].variants[0].sku
    return order_send(client, connection, path="/v1/orders", body=order_body(sku))


def free_port() -> int:
    """A loopback port nothing listens on (a connection to it is refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def calls_recorded() -> list[tuple[str, int | None, str, int]]:
    """(operation, status code, outcome, attempt) of every PartnerCall row, oldest first."""
    return list(
        PartnerCall.objects.order_by("pk").values_list(
            "operation", "status_code", "outcome", "attempt"
        )
    )


def assert_no_secrets(caplog: pytest.LogCaptureFixture, *secrets: str) -> None:
    """No secret in any log record (message or arguments) or PartnerCall column."""
    assert caplog.records, "the test should have logged its calls"
    logged = [record.getMessage() for record in caplog.records]
    logged += [repr(record.__dict__) for record in caplog.records]
    stored = [repr(row) for row in PartnerCall.objects.values()]
    for secret in secrets:
        assert all(secret not in text for text in logged), f"{secret!r} was logged"
        assert all(secret not in text for text in stored), f"{secret!r} was stored"


def capture_all_logs(caplog: pytest.LogCaptureFixture) -> None:
    """Capture every logger at DEBUG, urllib3's too (the settings quiet it to WARNING), to
    catch a leak from any of them. Call it after creating partners: factory_boy logs the
    values it is given, credentials included."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="urllib3")


def origin_redirecting_elsewhere(serve, allow) -> tuple[LocalServer, LocalServer]:
    """Two allow-listed servers, (origin, elsewhere): the partner's origin redirects /v1/items
    to /v2/items on itself (307) and that to elsewhere's /mirror (302), which answers 200."""
    elsewhere = serve(lambda request: Reply(200))
    origin = serve(
        lambda request: (
            Reply(307, {"Location": "/v2/items"})
            if request.target == "/v1/items"
            else Reply(302, {"Location": f"{elsewhere.base_url}/mirror"})
        )
    )
    allow(origin.base_url)
    allow(elsewhere.base_url)
    return origin, elsewhere
