"""The create-order dead-letter queue: messages SQS moved there after too many receives. Each is
recorded against its partner order (an event: the managers' attention list shows it, with a
re-drive) and deleted. A message that names no partner order we know is left in the queue
(kept 14 days) and logged: nothing can be recorded for it, and deleting it would lose it."""

from __future__ import annotations

import base64
import json
import logging

from django.conf import settings
from django.db import transaction

from endless_aisle.queues import DEAD_LETTER_SUFFIX, physical_queue_name, sqs_client
from orders.events import EventType
from orders.models import PartnerOrder
from orders.outbox import PLACE_TASK
from orders.services import order_event_append

logger = logging.getLogger(__name__)

RECEIVE_BATCH = 10


def dead_letters_record(*, max_batches: int = 10) -> int:
    """Read the create-order DLQ until empty (at most `max_batches` receives); how many
    messages were recorded."""
    client = sqs_client()
    url = client.get_queue_url(
        QueueName=physical_queue_name(settings.SQS_QUEUES.create_order + DEAD_LETTER_SUFFIX)
    )["QueueUrl"]
    recorded = 0
    for _ in range(max_batches):
        messages = client.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=RECEIVE_BATCH,
            AttributeNames=["ApproximateReceiveCount"],
            WaitTimeSeconds=0,
        ).get("Messages", [])
        if not messages:
            break
        for message in messages:
            partner_order_id = partner_order_id_of(message["Body"])
            if partner_order_id is None or not _recorded(partner_order_id, message):
                logger.warning("dead letter %s names no known partner order", message["MessageId"])
                continue
            client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            recorded += 1
    return recorded


def partner_order_id_of(body: str) -> int | None:
    """The partner order id of a placement task message as kombu's SQS transport writes it
    (base64 of the JSON envelope, whose body is base64 of [args, kwargs, options])."""
    try:
        envelope = json.loads(base64.b64decode(body))
        if envelope.get("headers", {}).get("task") != PLACE_TASK:
            return None
        args = json.loads(base64.b64decode(envelope["body"]))[0]
        return int(args[0])
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None


def _recorded(partner_order_id: int, message: dict) -> bool:
    with transaction.atomic():
        partner_order = (
            PartnerOrder.objects.select_related("order").filter(pk=partner_order_id).first()
        )
        if partner_order is None:
            return False
        order_event_append(
            partner_order.order,
            EventType.PARTNER_ORDER_DEAD_LETTERED,
            "system",
            {
                "partner": partner_order.partner_slug,
                "status": partner_order.status,
                "message_id": message["MessageId"],
                "receive_count": int(
                    message.get("Attributes", {}).get("ApproximateReceiveCount", 0)
                ),
            },
            partner_order=partner_order,
        )
    return True
