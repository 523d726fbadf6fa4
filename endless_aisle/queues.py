"""The SQS queues we own: created with a dead-letter queue and redrive policy; probed for health."""

import json
import logging

import boto3
from botocore.config import Config
from django.conf import settings

logger = logging.getLogger(__name__)

DEAD_LETTER_SUFFIX = "-dlq"
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 60 * 60
PROBE_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"total_max_attempts": 1})


def sqs_client(config: Config | None = None):
    credentials = {}
    if settings.SQS_ACCESS_KEY_ID and settings.SQS_SECRET_ACCESS_KEY:
        credentials = {
            "aws_access_key_id": settings.SQS_ACCESS_KEY_ID,
            "aws_secret_access_key": settings.SQS_SECRET_ACCESS_KEY,
        }
    return boto3.client(
        "sqs",
        region_name=settings.AWS_REGION,
        endpoint_url=settings.SQS_ENDPOINT_URL or None,
        config=config,
        **credentials,
    )


def physical_queue_name(name: str) -> str:
    return f"{settings.SQS_QUEUE_PREFIX}{name}"


def queues_ensure() -> dict[str, str]:
    """Create each queue and its dead-letter queue if missing; return queue name → URL.

    Safe to call at every start: SQS's CreateQueue returns the existing queue when the
    attributes match, and we set the redrive policy explicitly either way.
    """
    client = sqs_client()
    urls = {}
    for name in settings.SQS_QUEUES:
        dead_letter_url = client.create_queue(
            QueueName=physical_queue_name(name + DEAD_LETTER_SUFFIX),
            Attributes={"MessageRetentionPeriod": str(DEAD_LETTER_RETENTION_SECONDS)},
        )["QueueUrl"]
        dead_letter_arn = client.get_queue_attributes(
            QueueUrl=dead_letter_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        url = client.create_queue(QueueName=physical_queue_name(name))["QueueUrl"]
        client.set_queue_attributes(
            QueueUrl=url,
            Attributes={
                "VisibilityTimeout": str(settings.SQS_VISIBILITY_TIMEOUT),
                "RedrivePolicy": json.dumps(
                    {
                        "deadLetterTargetArn": dead_letter_arn,
                        "maxReceiveCount": settings.SQS_MAX_RECEIVE_COUNT,
                    }
                ),
            },
        )
        urls[name] = url
    logger.info("SQS queues ready: %s", ", ".join(urls))
    return urls


def broker_reachable() -> bool:
    """True when SQS answers for our first queue within a couple of seconds."""
    try:
        sqs_client(PROBE_CONFIG).get_queue_url(
            QueueName=physical_queue_name(settings.SQS_QUEUES.create_order)
        )
    except Exception as error:
        logger.warning("SQS broker probe failed: %s", type(error).__name__)
        return False
    return True
