"""`webhook_signature_verify` against what the sandbox partners really send: Baywater signs
timestamp and body, Threadline and Hearth the body. Refusals say why."""

import base64
import json
from functools import partial

import pytest

from partners.facts import WebhookSignatureScheme
from partners.models import Partner
from partners.sandbox.webhooks import (
    DEFAULT_WEBHOOK_SECRET,
    WebhookSigning,
    webhook_signature,
    webhook_signed_headers,
    webhook_timestamp_signature,
)
from partners.webhook_secrets import partner_webhook_secret_set
from partners.webhook_signatures import (
    WebhookSignatureRefused,
    WebhookSignatureSettings,
    webhook_signature_verify,
)
from tests.factories import PartnerFactory
from tests.partners.sandbox.client import (
    PartnerClient,
    WebhookReceiver,
    baywater_signature,
    wait_for,
)
from tests.partners.sandbox.picks import in_stock
from tests.partners.sandbox.subjects import subject_for

pytestmark = pytest.mark.django_db

SECRET = "shared-with-the-back-office"
SENT_AT = 1_767_225_600  # 2026-01-01T00:00:00Z
BODY = b'{"topic": "order.status", "order": {"order_no": "BWO0000001", "status": "IN_TRANSIT"}}'
TIMESTAMPED = WebhookSignatureSettings(
    secret=SECRET,
    scheme=WebhookSignatureScheme.TIMESTAMP_BODY,
    signature_header="X-Sandbox-Signature",
    timestamp_header="X-Sandbox-Timestamp",
    replay_window_seconds=300,
)
BODY_SIGNED = WebhookSignatureSettings(
    secret=SECRET, scheme=WebhookSignatureScheme.BODY, signature_header="X-Sandbox-Signature"
)


def signed(signing: WebhookSigning, body: bytes = BODY, secret: str = SECRET) -> dict[str, str]:
    """The headers the sandbox's own signer puts on a push sent at SENT_AT."""
    return webhook_signed_headers(signing, secret, body, now=SENT_AT)


def refusal(settings, headers, body=BODY, now=SENT_AT) -> str:
    with pytest.raises(WebhookSignatureRefused) as refused:
        webhook_signature_verify(settings, headers=headers, body=body, now=now)
    return str(refused.value)


# --- Real pushes from the sandbox, checked with the onboarded partner's settings ---


def test_a_real_baywater_push_signed_over_timestamp_and_body_is_accepted(onboarded, sandbox):
    baywater = sandbox.baywater
    client = PartnerClient(
        baywater.base_url, sign=partial(baywater_signature, baywater.key_id, baywater.secret)
    )
    _, item = in_stock(baywater)
    order = {"order_ref": "EA-facts", "item": {"ean": item.sku, "qty": 1}, "deliver_to": {}}
    order_no = client.post_json("/v1/orders", order).json()["order_no"]
    with WebhookReceiver() as receiver:
        baywater.webhook_set(receiver.url, DEFAULT_WEBHOOK_SECRET)
        baywater.order_advance(order_no)
        [delivery] = wait_for(lambda: receiver.deliveries[:1])
    headers = dict(delivery.headers.items())
    sent_at = int(headers["X-Sandbox-Timestamp"])

    webhook_signature_verify(
        onboarded["baywater"], headers=headers, body=delivery.body, now=sent_at + 300
    )

    assert json.loads(delivery.body)["order"]["status"] == "IN_TRANSIT"
    assert refusal(onboarded["baywater"], headers, delivery.body, now=sent_at + 301) == (
        "X-Sandbox-Timestamp is 301 s old, beyond the 300 s replay window: a replay, or the "
        "partner's clock is off."
    )


@pytest.mark.parametrize("slug", ["threadline", "hearth"])
def test_a_real_push_signed_over_the_body_is_accepted(onboarded, sandbox, slug):
    subject = subject_for(sandbox, slug)
    _, item = in_stock(subject.partner)
    order_id = subject.order_id(subject.place("ref-facts", (item.sku, 1)))
    with WebhookReceiver() as receiver:
        subject.partner.webhook_set(receiver.url, DEFAULT_WEBHOOK_SECRET)
        subject.partner.order_advance(order_id)
        [delivery] = wait_for(lambda: receiver.deliveries[:1])
    headers = dict(delivery.headers.items())

    webhook_signature_verify(onboarded[slug], headers=headers, body=delivery.body, now=0)

    assert refusal(onboarded[slug], headers, delivery.body + b" ") == (
        "X-Sandbox-Signature does not match the body: another secret, or a changed body."
    )


# --- Timestamp and body ---


def test_a_push_within_the_window_either_way_is_accepted():
    headers = signed(WebhookSigning.TIMESTAMP_BODY)

    for now in (SENT_AT - 300, SENT_AT, SENT_AT + 300):
        webhook_signature_verify(TIMESTAMPED, headers=headers, body=BODY, now=now)


def test_a_push_older_than_the_window_is_refused():
    assert refusal(TIMESTAMPED, signed(WebhookSigning.TIMESTAMP_BODY), now=SENT_AT + 3600) == (
        "X-Sandbox-Timestamp is 3600 s old, beyond the 300 s replay window: a replay, or the "
        "partner's clock is off."
    )


def test_a_push_from_the_future_is_refused():
    assert refusal(TIMESTAMPED, signed(WebhookSigning.TIMESTAMP_BODY), now=SENT_AT - 301) == (
        "X-Sandbox-Timestamp is 301 s ahead of our clock, beyond the 300 s replay window."
    )


def test_a_replay_with_a_fresh_timestamp_does_not_match():
    headers = signed(WebhookSigning.TIMESTAMP_BODY)
    headers["X-Sandbox-Timestamp"] = str(SENT_AT + 3600)

    assert refusal(TIMESTAMPED, headers, now=SENT_AT + 3600) == (
        "X-Sandbox-Signature does not match the body: another secret, or a changed body."
    )


def test_a_tampered_body_is_refused():
    headers = signed(WebhookSigning.TIMESTAMP_BODY)
    tampered = BODY.replace(b"IN_TRANSIT", b"CANCELLED")

    assert refusal(TIMESTAMPED, headers, tampered) == (
        "X-Sandbox-Signature does not match the body: another secret, or a changed body."
    )


def test_a_push_signed_with_another_secret_is_refused():
    headers = signed(WebhookSigning.TIMESTAMP_BODY, secret="not-the-shared-secret")

    assert refusal(TIMESTAMPED, headers) == (
        "X-Sandbox-Signature does not match the body: another secret, or a changed body."
    )


def test_a_body_only_signature_does_not_pass_for_timestamp_and_body():
    headers = {
        "X-Sandbox-Timestamp": str(SENT_AT),
        "X-Sandbox-Signature": webhook_signature(SECRET, BODY),
    }

    assert refusal(TIMESTAMPED, headers) == (
        "X-Sandbox-Signature does not match the body: another secret, or a changed body."
    )


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("X-Sandbox-Timestamp", "The X-Sandbox-Timestamp header is missing."),
        ("X-Sandbox-Signature", "The X-Sandbox-Signature header is missing."),
    ],
)
def test_a_missing_header_is_refused(missing, message):
    headers = signed(WebhookSigning.TIMESTAMP_BODY)
    del headers[missing]

    assert refusal(TIMESTAMPED, headers) == message


@pytest.mark.parametrize("timestamp", ["1767225600.0", "-1767225600", "٣٠٠", "", "1" * 13])
def test_a_timestamp_that_is_not_whole_seconds_is_refused(timestamp):
    headers = {**signed(WebhookSigning.TIMESTAMP_BODY), "X-Sandbox-Timestamp": timestamp}
    message = (
        "The X-Sandbox-Timestamp header is missing."
        if not timestamp
        else "X-Sandbox-Timestamp must be whole seconds since 1970, e.g. 1767225600."
    )

    assert refusal(TIMESTAMPED, headers) == message


# --- Body ---


def test_a_body_signed_push_needs_no_timestamp():
    headers = signed(WebhookSigning.BODY)

    webhook_signature_verify(BODY_SIGNED, headers=headers, body=BODY, now=0)

    assert set(headers) == {"X-Sandbox-Signature"}


def test_a_timestamp_signature_does_not_pass_for_the_body():
    headers = signed(WebhookSigning.TIMESTAMP_BODY)

    assert refusal(BODY_SIGNED, headers) == (
        "X-Sandbox-Signature does not match the body: another secret, or a changed body."
    )


def test_hex_without_prefix_base64_and_any_header_case_are_read():
    sha_hex = webhook_signature(SECRET, BODY).removeprefix("sha256=")
    base64_value = base64.b64encode(bytes.fromhex(sha_hex)).decode()

    for value in (sha_hex, sha_hex.upper(), "SHA256=" + sha_hex, base64_value):
        webhook_signature_verify(
            BODY_SIGNED, headers={"x-sandbox-signature": value}, body=BODY, now=0
        )


@pytest.mark.parametrize(
    "value", ["sha256=", "sha256=" + "z" * 64, "sha256=" + "ab" * 31, "sha1=" + "ab" * 32, "é" * 64]
)
def test_a_signature_that_is_not_hmac_sha256_is_refused(value):
    assert refusal(BODY_SIGNED, {"X-Sandbox-Signature": value}) == (
        "X-Sandbox-Signature is not an HMAC-SHA256 signature: 64 hex digits or base64, "
        "optionally after sha256=."
    )


def test_the_secret_is_not_in_the_settings_repr_nor_in_any_refusal():
    reasons = [
        refusal(TIMESTAMPED, signed(WebhookSigning.TIMESTAMP_BODY, secret="x" * 20)),
        refusal(TIMESTAMPED, signed(WebhookSigning.TIMESTAMP_BODY), now=SENT_AT + 999),
        refusal(TIMESTAMPED, {}),
    ]

    assert SECRET not in repr(TIMESTAMPED)
    assert [reason for reason in reasons if SECRET in reason] == []


# --- Partners that cannot be checked ---


def test_a_polled_partner_takes_no_webhooks(onboarded):
    headers = signed(WebhookSigning.BODY, secret=DEFAULT_WEBHOOK_SECRET)

    assert refusal(onboarded["stridewell"], headers) == (
        "Stridewell does not send its order status by webhook."
    )


def test_a_webhook_partner_without_a_secret_is_refused():
    partner = PartnerFactory(name="Acme", status_delivery=Partner.StatusDelivery.WEBHOOK)

    assert refusal(partner, signed(WebhookSigning.BODY)) == (
        "No readable webhook secret is stored for Acme: enter or generate one."
    )

    partner_webhook_secret_set(partner=partner, secret=SECRET)
    webhook_signature_verify(
        partner,
        headers={"X-Signature": webhook_signature(SECRET, BODY)},
        body=BODY,
        now=0,
    )


def test_signatures_match_the_sandbox_scheme_of_timestamp_full_stop_body():
    assert signed(WebhookSigning.TIMESTAMP_BODY)["X-Sandbox-Signature"] == (
        webhook_timestamp_signature(SECRET, str(SENT_AT), BODY)
    )
