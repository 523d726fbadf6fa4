"""The SQS queues we own: created with a dead-letter queue and redrive policy; probed for health."""

import json
import logging
import threading
from functools import lru_cache

import boto3
from botocore.config import Config
from django.conf import settings

logger = logging.getLogger(__name__)

DEAD_LETTER_SUFFIX = "-dlq"
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 60 * 60
PROBE_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"total_max_attempts": 1})
# boto3's default session is not safe to build clients from in two threads at once.
_probe_client_lock = threading.Lock()


def sqs_client(config: Config | None = None):
    return _new_sqs_client(
        settings.SQS_ENDPOINT_URL,
        settings.AWS_REGION,
        settings.SQS_ACCESS_KEY_ID,
        settings.SQS_SECRET_ACCESS_KEY,
        config,
    )


def sqs_probe_client():
    """The health probe's SQS client, one per process: building a client takes tens of
    milliseconds and a few megabytes, too much for every probe. Kept per endpoint and
    credentials, so a changed setting (tests point at other endpoints) gets its own."""
    with _probe_client_lock:
        return _probe_client(
            settings.SQS_ENDPOINT_URL,
            settings.AWS_REGION,
            settings.SQS_ACCESS_KEY_ID,
            settings.SQS_SECRET_ACCESS_KEY,
        )


@lru_cache(maxsize=8)
def _probe_client(endpoint_url: str, region: str, access_key_id: str, secret_access_key: str):
    return _new_sqs_client(endpoint_url, region, access_key_id, secret_access_key, PROBE_CONFIG)


def _new_sqs_client(
    endpoint_url: str,
    region: str,
    access_key_id: str,
    secret_access_key: str,
    config: Config | None,
):
    credentials = {}
    if access_key_id and secret_access_key:
        credentials = {
            "aws_access_key_id": access_key_id,
            "aws_secret_access_key": secret_access_key,
        }
    return boto3.client(
        "sqs",
        region_name=region,
        endpoint_url=endpoint_url or None,
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
        sqs_probe_client().get_queue_url(
            QueueName=physical_queue_name(settings.SQS_QUEUES.create_order)
        )
    except Exception as error:
        logger.warning("SQS broker probe failed: %s", type(error).__name__)
        return False
    return True
