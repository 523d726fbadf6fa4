"""Each authentication type against a partner that checks it: good credentials get through,
bad ones raise PartnerAuthFailed, and nothing secret reaches the call log."""

import base64
import hashlib
import hmac
import json
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache

from partners.http.auth import TOKEN_OPERATION, hmac_string_to_sign
from partners.http.errors import PartnerAuthFailed, PartnerBadResponse
from partners.models import Partner, PartnerCall
from tests.partners.http.helpers import (
    assert_no_secrets,
    calls_recorded,
    capture_all_logs,
    carried_gtin,
)
from tests.partners.http.local_server import Received, Reply

pytestmark = pytest.mark.django_db

HMAC_SECRET = "hm-test-secret-5c1e"
QUERY_KEY = "qk-test-key-77ad"


def lookup(client, connection, path, **options):
    return client.send(
        connection, operation="lookup", method="GET", path=path, idempotent=True, **options
    )


def test_api_key_header_gets_threadline_products(client, threadline, fresh_sandbox):
    gtin = carried_gtin(fresh_sandbox.threadline)

    response = lookup(client, threadline, f"/v1/products/by-barcode/{gtin}")

    assert response.status == 200
    assert response.headers["content-type"] == "application/json"
    assert json.loads(response.body)["variants"][0]["gtin"] == gtin
    assert response.attempt == 1
    assert calls_recorded() == [("lookup", 200, "ok", 1)]


def test_wrong_api_key_is_refused_without_retry(client, threadline, fresh_sandbox, caplog):
    wrong = replace(threadline, credentials={"api_key": "tl_wrong_key_0000"})

    with pytest.raises(PartnerAuthFailed) as raised:
        lookup(client, wrong, f"/v1/products/by-barcode/{carried_gtin(fresh_sandbox.threadline)}")

    assert (raised.value.status_code, raised.value.partner, raised.value.operation) == (
        401,
        "threadline",
        "lookup",
    )
    assert calls_recorded() == [("lookup", 401, "auth_failed", 1)]
    assert_no_secrets(caplog, "tl_wrong_key_0000")


def test_oauth2_fetches_one_token_for_several_calls(client, stridewell, fresh_sandbox):
    gtin = carried_gtin(fresh_sandbox.stridewell)

    statuses = [lookup(client, stridewell, f"/api/v2/barcodes/{gtin}").status for _ in range(3)]

    assert statuses == [200, 200, 200]
    assert calls_recorded() == [
        (TOKEN_OPERATION, 200, "ok", 1),
        ("lookup", 200, "ok", 1),
        ("lookup", 200, "ok", 1),
        ("lookup", 200, "ok", 1),
    ]


def test_oauth2_renews_an_expired_token_and_sends_once_more(client, stridewell, fresh_sandbox):
    gtin = carried_gtin(fresh_sandbox.stridewell)
    lookup(client, stridewell, f"/api/v2/barcodes/{gtin}")
    fresh_sandbox.stridewell.tokens_expire()

    # Even a call that must not be retried is sent again: the partner refused it unread.
    response = client.send(
        stridewell,
        operation="lookup",
        method="GET",
        path=f"/api/v2/barcodes/{gtin}",
        idempotent=False,
    )

    assert (response.status, response.attempt) == (200, 2)
    assert calls_recorded() == [
        (TOKEN_OPERATION, 200, "ok", 1),
        ("lookup", 200, "ok", 1),
        ("lookup", 401, "auth_failed", 1),
        (TOKEN_OPERATION, 200, "ok", 1),
        ("lookup", 200, "ok", 2),
    ]


def test_oauth2_token_is_renewed_only_once(client, serve, allow, make_connection, sleeps):
    def token_ok_api_refuses(request: Received) -> Reply:
        if request.target == "/oauth/token":
            return Reply(200, body=b'{"access_token": "tok", "expires_in": 300}')
        return Reply(401)

    server = serve(token_ok_api_refuses)
    allow(server.base_url)
    connection = make_connection(
        server.base_url,
        auth_type=Partner.AuthType.OAUTH2_CLIENT_CREDENTIALS,
        oauth_token_url=f"{server.base_url}/oauth/token",
        credentials={"client_id": "id", "client_secret": "secret"},
    )

    with pytest.raises(PartnerAuthFailed):
        lookup(client, connection, "/api/items/1")

    assert [request.target for request in server.received] == [
        "/oauth/token",
        "/api/items/1",
        "/oauth/token",
        "/api/items/1",
    ]
    assert calls_recorded() == [
        (TOKEN_OPERATION, 200, "ok", 1),
        ("lookup", 401, "auth_failed", 1),
        (TOKEN_OPERATION, 200, "ok", 1),
        ("lookup", 401, "auth_failed", 2),
    ]
    assert sleeps == []


def test_oauth2_wrong_client_secret_stops_before_the_api(client, stridewell, fresh_sandbox):
    wrong = replace(stridewell, credentials={**stridewell.credentials, "client_secret": "nope"})

    with pytest.raises(PartnerAuthFailed) as raised:
        lookup(client, wrong, f"/api/v2/barcodes/{carried_gtin(fresh_sandbox.stridewell)}")

    assert raised.value.message.startswith("No access token: ")
    assert (raised.value.operation, raised.value.status_code) == ("lookup", None)
    # The lookup itself never went out: its row has no status.
    assert calls_recorded() == [
        (TOKEN_OPERATION, 401, "auth_failed", 1),
        ("lookup", None, "auth_failed", 1),
    ]


def test_basic_auth_gets_hearth_items(client, hearth, fresh_sandbox):
    gtin = carried_gtin(fresh_sandbox.hearth)

    response = lookup(client, hearth, f"/api/items/by-ean/{gtin}")

    assert response.status == 200
    assert response.headers["content-type"] == "application/xml"
    assert f'ean="{gtin}"'.encode() in response.body
    assert calls_recorded() == [("lookup", 200, "ok", 1)]


def test_basic_auth_with_a_wrong_password_is_refused(client, hearth, fresh_sandbox):
    wrong = replace(hearth, credentials={**hearth.credentials, "password": "wrong"})

    with pytest.raises(PartnerAuthFailed):
        lookup(client, wrong, f"/api/items/by-ean/{carried_gtin(fresh_sandbox.hearth)}")

    assert calls_recorded() == [("lookup", 401, "auth_failed", 1)]


def query_key_checker(request: Received) -> Reply:
    given = parse_qs(urlsplit(request.target).query).get("api_key")
    return Reply(200) if given == [QUERY_KEY] else Reply(401)


def test_api_key_in_the_query_string(client, serve, allow, make_connection, caplog):
    server = serve(query_key_checker)
    allow(server.base_url)
    connection = make_connection(
        server.base_url,
        auth_type=Partner.AuthType.API_KEY_QUERY,
        api_key_name="api_key",
        credentials={"api_key": QUERY_KEY},
    )
    capture_all_logs(caplog)

    response = client.send(
        connection,
        operation="search",
        method="GET",
        path="/v1/search",
        query={"q": "red shoes"},
        idempotent=True,
    )

    assert response.status == 200
    assert [request.target for request in server.received] == [
        f"/v1/search?q=red+shoes&api_key={QUERY_KEY}"
    ]
    assert list(PartnerCall.objects.values_list("path", flat=True)) == ["/v1/search"]
    assert any(record.name == "urllib3.connectionpool" for record in caplog.records)
    assert_no_secrets(caplog, QUERY_KEY, "red+shoes")


def test_api_key_in_the_query_string_refused(client, serve, allow, make_connection):
    server = serve(query_key_checker)
    allow(server.base_url)
    connection = make_connection(
        server.base_url,
        auth_type=Partner.AuthType.API_KEY_QUERY,
        api_key_name="api_key",
        credentials={"api_key": "wrong"},
    )

    with pytest.raises(PartnerAuthFailed):
        client.send(connection, operation="search", method="GET", path="/", idempotent=True)

    assert calls_recorded() == [("search", 401, "auth_failed", 1)]


def hmac_checker(header: str, parts: list[str]):
    """A partner that verifies signatures as our docs describe them, written independently."""

    def check(request: Received) -> Reply:
        values = {
            "method": request.method.encode(),
            "path": request.target.encode(),
            "timestamp": request.headers["X-Timestamp"].encode(),
            "body": request.body,
        }
        message = b"\n".join(values[part] for part in parts)
        expected = hmac.new(HMAC_SECRET.encode(), message, hashlib.sha256).hexdigest()
        given = request.headers.get(header, "")
        return Reply(200) if hmac.compare_digest(given, expected) else Reply(401)

    return check


@pytest.mark.parametrize(
    ("header", "parts"),
    [
        ("X-Signature", "method,path,timestamp,body"),
        ("X-Partner-Signature", "timestamp, body"),
    ],
)
def test_hmac_signed_request_is_accepted(
    client, serve, allow, make_connection, caplog, header, parts
):
    server = serve(hmac_checker(header, [part.strip() for part in parts.split(",")]))
    allow(server.base_url)
    connection = make_connection(
        server.base_url,
        auth_type=Partner.AuthType.HMAC,
        hmac_header_name=header,
        hmac_signed_parts=parts,
        credentials={"secret": HMAC_SECRET, "key_id": "key-7"},
    )
    capture_all_logs(caplog)

    response = client.send(
        connection,
        operation="place_order",
        method="POST",
        path="/v1/orders",
        query={"dry_run": "1"},
        body=b'{"reference": "EA-1"}',
        content_type="application/json",
        idempotent=False,
    )

    assert response.status == 200
    (received,) = server.received
    assert received.target == "/v1/orders?dry_run=1"
    assert received.headers["X-Key-Id"] == "key-7"
    assert received.headers["X-Timestamp"].isdigit()
    assert_no_secrets(caplog, HMAC_SECRET)


def test_hmac_with_the_wrong_secret_is_refused(client, serve, allow, make_connection):
    server = serve(hmac_checker("X-Signature", ["method", "path", "timestamp", "body"]))
    allow(server.base_url)
    connection = make_connection(
        server.base_url,
        auth_type=Partner.AuthType.HMAC,
        credentials={"secret": "not-the-secret"},
    )

    with pytest.raises(PartnerAuthFailed):
        client.send(connection, operation="lookup", method="GET", path="/x", idempotent=True)

    assert "X-Key-Id" not in server.received[0].headers
    assert calls_recorded() == [("lookup", 401, "auth_failed", 1)]


def test_hmac_string_to_sign_is_the_documented_one():
    signed = hmac_string_to_sign(
        ["method", "path", "timestamp", "body"],
        method="post",
        target="/v1/orders?dry_run=1",
        timestamp="1767225600",
        body=b'{"a": 1}',
    )

    assert signed == b'POST\n/v1/orders?dry_run=1\n1767225600\n{"a": 1}'


def test_missing_credentials_fail_before_anything_is_sent(client, serve, allow, make_connection):
    server = serve(lambda request: Reply(200))
    allow(server.base_url)
    connection = make_connection(
        server.base_url, auth_type=Partner.AuthType.API_KEY_HEADER, api_key_name="X-Api-Key"
    )

    with pytest.raises(PartnerAuthFailed) as raised:
        client.send(connection, operation="lookup", method="GET", path="/x", idempotent=True)

    assert "'api_key' credential is missing" in raised.value.message
    assert server.received == []
    assert calls_recorded() == [("lookup", None, "auth_failed", 1)]


def test_no_credential_reaches_the_log_or_the_call_rows(
    client, threadline, stridewell, hearth, fresh_sandbox, caplog
):
    capture_all_logs(caplog)
    calls = [
        (threadline, f"/v1/products/by-barcode/{carried_gtin(fresh_sandbox.threadline)}"),
        (stridewell, f"/api/v2/barcodes/{carried_gtin(fresh_sandbox.stridewell)}"),
        (hearth, f"/api/items/by-ean/{carried_gtin(fresh_sandbox.hearth)}"),
    ]
    for connection, path in calls:
        # Wrong first: a good call would cache a token the wrong one then reuses.
        wrong = {name: f"{value}-wrong" for name, value in connection.credentials.items()}
        with pytest.raises(PartnerAuthFailed):
            lookup(client, replace(connection, credentials=wrong), path)
        lookup(client, connection, path)
    token = cache.get(f"partners:http:oauth-token:{stridewell.partner_id}:1")

    secrets = [
        value
        for connection, _ in calls
        for value in connection.credentials.values()
        if value != fresh_sandbox.stridewell.client_id  # a client id is not a secret
    ]
    basic = f"{hearth.credentials['username']}:{hearth.credentials['password']}"
    assert token
    assert_no_secrets(caplog, token, base64.b64encode(basic.encode()).decode(), *secrets)
    assert "oauth_token" in {record.operation for record in PartnerCall.objects.all()}


def test_a_deeply_nested_token_answer_is_a_bad_response(client, serve, allow, make_connection):
    # Given a token endpoint answering 100,000 levels of arrays (which recurse json.loads out)
    deep = b"[" * 100_000 + b"]" * 100_000
    server = serve(lambda request: Reply(200, body=deep))
    allow(server.base_url)
    connection = make_connection(
        server.base_url,
        auth_type=Partner.AuthType.OAUTH2_CLIENT_CREDENTIALS,
        oauth_token_url=f"{server.base_url}/oauth/token",
        credentials={"client_id": "id", "client_secret": "secret"},
    )

    with pytest.raises(PartnerBadResponse) as raised:
        lookup(client, connection, "/api/items/1")

    assert str(raised.value).endswith("The token endpoint answered without a usable access token.")
    assert [request.target for request in server.received] == ["/oauth/token"]
