"""Receive an order status webhook: prove it comes from the partner, refuse a replay, read it
with the partner's order status mapping and apply it (`orders.status_sync`).

Checks run cheapest first and nothing is written until all pass; the delivery's replay record
and the status change commit together, so a refused or failed delivery leaves no trace and the
partner's retry is not taken for a replay.
"""

import logging
import time
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from orders.models import PartnerOrder
from orders.status_sync import StatusApplied, UpdateSource, partner_order_status_apply
from partners.models import Partner
from partners.webhook_payloads import WebhookPayloadRefused, webhook_payload_map
from partners.webhook_replays import (
    WebhookReplayed,
    webhook_delivery_digest,
    webhook_delivery_record,
)
from partners.webhook_signatures import (
    WebhookSignatureRefused,
    WebhookSignatureSettings,
    webhook_signature_verify,
)

logger = logging.getLogger(__name__)


class WebhookRefused(Exception):
    """The webhook is not applied; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def partner_webhook_receive(
    *, partner_slug: str, headers: Mapping[str, str], body: bytes, content_type: str
) -> StatusApplied:
    """Apply one pushed status update, or raise WebhookRefused changing nothing."""
    partner = Partner.objects.filter(slug=partner_slug).first()
    if partner is None:
        raise WebhookRefused(404, "No such partner.")
    try:
        settings = WebhookSignatureSettings.of_partner(partner)
        webhook_signature_verify(settings, headers=headers, body=body, now=time.time())
    except WebhookSignatureRefused as error:
        raise WebhookRefused(401, str(error)) from None
    try:
        update = webhook_payload_map(partner, body=body, content_type=content_type)
    except WebhookPayloadRefused as error:
        raise WebhookRefused(422, str(error)) from None
    digest = webhook_delivery_digest(settings, headers=headers, body=body)
    with transaction.atomic():
        try:
            webhook_delivery_record(
                partner=partner, settings=settings, digest=digest, now=timezone.now()
            )
        except WebhookReplayed as error:
            raise WebhookRefused(409, str(error)) from None
        partner_order = (
            PartnerOrder.objects.filter(partner=partner, partner_reference=update.partner_order_id)
            .order_by("pk")
            .first()
        )
        if partner_order is None:
            # Perhaps pushed before our worker recorded the partner's reference: the
            # partner's retry may find it.
            raise WebhookRefused(404, "No order of ours has this partner order id.")
        return partner_order_status_apply(
            partner_order_id=partner_order.pk, update=update, source=UpdateSource.WEBHOOK
        )
