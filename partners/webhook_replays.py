"""Replay protection for partner webhooks: each signed delivery is accepted once.

A signature proves who sent a body, not that it is the first time we see it: anyone who
copied a delivery could send it again. So every accepted delivery is recorded by a digest of
what its signature covers, under a unique constraint, and kept for the partner's replay window.
With the timestamp scheme a copy older than the window is refused by its timestamp
(`partners.webhook_signatures`), so the window is all the record needs to cover. With the
body-only scheme an older copy passes both; the receiver must then treat it as the stale
report it is (order status sync never moves an order backwards).

Record the delivery in the transaction that applies it: if applying fails, the record is rolled
back with it and the partner's retry is not mistaken for a replay.
"""

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from partners.facts import WebhookSignatureScheme
from partners.models import Partner, WebhookDelivery
from partners.webhook_signatures import WebhookSignatureSettings


class WebhookReplayed(Exception):
    """This very delivery was accepted before, within the replay window."""


def webhook_delivery_digest(
    settings: WebhookSignatureSettings, *, headers: Mapping[str, str], body: bytes
) -> str:
    """SHA-256 (hex) of what the signature covers. Call it after the signature is verified."""
    signed = body
    if settings.scheme == WebhookSignatureScheme.TIMESTAMP_BODY:
        by_name = {name.lower(): value for name, value in headers.items()}
        signed = by_name[settings.timestamp_header.lower()].encode() + b"." + body
    return hashlib.sha256(signed).hexdigest()


def webhook_delivery_record(
    *, partner: Partner, settings: WebhookSignatureSettings, digest: str, now: datetime
) -> None:
    """Record a verified delivery, or raise WebhookReplayed if it was recorded before and has
    not expired. Deletes the partner's expired records first, so they stay few."""
    with transaction.atomic():
        WebhookDelivery.objects.filter(partner=partner, expires_at__lte=now).delete()
        try:
            with transaction.atomic():
                WebhookDelivery.objects.create(
                    partner=partner,
                    digest=digest,
                    received_at=now,
                    expires_at=now + timedelta(seconds=settings.replay_window_seconds),
                )
        except IntegrityError:
            raise WebhookReplayed(
                f"This delivery was received before (within {settings.replay_window_seconds} s): "
                "a replay."
            ) from None
