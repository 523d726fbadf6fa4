"""Verify the signature of an order status webhook a partner sends us, before reading it.

The two schemes a partner can choose (`Partner.webhook_signature_scheme`):
    body            signature = HMAC-SHA256(secret, body)
    timestamp_body  signature = HMAC-SHA256(secret, timestamp + "." + body), the timestamp (whole
                    seconds since 1970) in its own header, refused outside the replay window
The signature is 64 hex digits or base64, optionally after `sha256=`. Each refusal says why,
without quoting the signature or the secret. A timestamp only bounds how late a copy can be
replayed; the receiver still drops a status it has already applied (by the partner's event id).
"""

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass

from partners.facts import StatusDelivery, WebhookSignatureScheme
from partners.models import Partner
from partners.webhook_secrets import partner_webhook_secret

SIGNATURE_PREFIX = "sha256="
HEX_SIGNATURE = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)
BASE64_SIGNATURE = re.compile(r"[A-Za-z0-9+/_-]{43}=?", re.ASCII)
UNIX_SECONDS = re.compile(r"[0-9]{1,12}", re.ASCII)


class WebhookSignatureRefused(Exception):
    """The webhook is not proven to come from the partner; the message says why."""


@dataclass(frozen=True)
class WebhookSignatureSettings:
    """What checking one partner's webhooks needs, the secret included: never log it."""

    secret: str
    scheme: WebhookSignatureScheme
    signature_header: str
    timestamp_header: str = ""
    replay_window_seconds: int = 300

    def __repr__(self) -> str:
        return (
            f"WebhookSignatureSettings(scheme={self.scheme!r}, "
            f"signature_header={self.signature_header!r}, secret=…)"
        )

    @classmethod
    def of_partner(cls, partner: Partner) -> "WebhookSignatureSettings":
        if partner.status_delivery != StatusDelivery.WEBHOOK:
            raise WebhookSignatureRefused(f"{partner} does not send its order status by webhook.")
        secret = partner_webhook_secret(partner)
        if secret is None:
            raise WebhookSignatureRefused(
                f"No readable webhook secret is stored for {partner}: enter or generate one."
            )
        return cls(
            secret=secret,
            scheme=WebhookSignatureScheme(partner.webhook_signature_scheme),
            signature_header=partner.webhook_signature_header,
            timestamp_header=partner.webhook_timestamp_header,
            replay_window_seconds=partner.webhook_replay_window_seconds,
        )


def webhook_signature_verify(
    partner_or_settings: Partner | WebhookSignatureSettings,
    *,
    headers: Mapping[str, str],
    body: bytes,
    now: float,
) -> None:
    """Return when `body` is signed as the partner's settings say and, with a timestamp, was
    signed within the replay window of `now` (unix seconds); else raise WebhookSignatureRefused.
    Header names are matched without case."""
    settings = (
        partner_or_settings
        if isinstance(partner_or_settings, WebhookSignatureSettings)
        else WebhookSignatureSettings.of_partner(partner_or_settings)
    )
    by_name = {name.lower(): value for name, value in headers.items()}
    given = _signature_bytes(settings.signature_header, by_name)
    signed = body
    if settings.scheme == WebhookSignatureScheme.TIMESTAMP_BODY:
        timestamp = _timestamp_checked(settings, by_name, now)
        signed = timestamp.encode() + b"." + body
    expected = hmac.new(settings.secret.encode(), signed, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, given):
        raise WebhookSignatureRefused(
            f"{settings.signature_header} does not match the body: another secret, or a "
            "changed body."
        )


def _signature_bytes(header: str, by_name: Mapping[str, str]) -> bytes:
    value = by_name.get(header.lower())
    if not value:
        raise WebhookSignatureRefused(f"The {header} header is missing.")
    value = value.strip()
    if value[: len(SIGNATURE_PREFIX)].lower() == SIGNATURE_PREFIX:
        value = value[len(SIGNATURE_PREFIX) :]
    if HEX_SIGNATURE.fullmatch(value):
        return bytes.fromhex(value)
    if BASE64_SIGNATURE.fullmatch(value):
        try:
            urlsafe = value.replace("+", "-").replace("/", "_")
            return base64.urlsafe_b64decode(urlsafe.ljust(44, "="))
        except binascii.Error:
            pass
    raise WebhookSignatureRefused(
        f"{header} is not an HMAC-SHA256 signature: 64 hex digits or base64, optionally "
        f"after {SIGNATURE_PREFIX}."
    )


def _timestamp_checked(
    settings: WebhookSignatureSettings, by_name: Mapping[str, str], now: float
) -> str:
    header = settings.timestamp_header
    value = by_name.get(header.lower())
    if not value:
        raise WebhookSignatureRefused(f"The {header} header is missing.")
    if not UNIX_SECONDS.fullmatch(value):
        raise WebhookSignatureRefused(
            f"{header} must be whole seconds since 1970, e.g. 1767225600."
        )
    skew = now - int(value)
    window = settings.replay_window_seconds
    if skew > window:
        raise WebhookSignatureRefused(
            f"{header} is {int(skew)} s old, beyond the {window} s replay window: a replay, "
            "or the partner's clock is off."
        )
    if -skew > window:
        raise WebhookSignatureRefused(
            f"{header} is {int(-skew)} s ahead of our clock, beyond the {window} s replay window."
        )
    return value
