"""Publishing the outbox: each row names a partner order to place; once the broker took the
message the row is marked published. A row left unpublished (broker down at checkout, a crash
between commit and publish) is published again by the sweeper. Publishing twice is harmless:
placement claims the partner order and sends it once (docs/order-pipeline.md)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from endless_aisle.celery import app
from orders.models import Order, OutboxMessage

logger = logging.getLogger(__name__)

PLACE_TASK = "orders.partner_order_place"


def outbox_messages_for(order: Order) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(partner_order__order=order).order_by("pk")


def outbox_publish(*, message_ids: list[int], republish: bool = False) -> int:
    """Send each row's placement task to its queue and mark it published; how many were sent.
    Rows published already are skipped unless `republish` (a manager's re-drive). A broker
    error stops here and is raised: the rows not sent stay unpublished, for the sweeper."""
    messages = OutboxMessage.objects.filter(pk__in=message_ids).order_by("pk")
    if not republish:
        messages = messages.filter(published_at__isnull=True)
    sent = 0
    for message in messages:
        app.send_task(
            PLACE_TASK,
            args=[message.partner_order_id],
            queue=message.queue,
            routing_key=message.queue,
            retry=False,
        )
        OutboxMessage.objects.filter(pk=message.pk).update(published_at=timezone.now())
        sent += 1
    return sent


def outbox_sweep(*, older_than_seconds: int) -> int:
    """Publish the rows never published that are older than `older_than_seconds` (younger
    ones are still being published after their commit); how many were sent."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        OutboxMessage.objects.filter(published_at__isnull=True, created_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        return 0
    sent = outbox_publish(message_ids=ids)
    logger.info("outbox sweep published %d of %d waiting rows", sent, len(ids))
    return sent
