"""How Celery reaches SQS: the same kombu transport locally (moto's server) and on AWS.

Pure functions of configuration values, so settings can call them before Django is set up.
"""

from typing import NamedTuple
from urllib.parse import quote, urlsplit


class QueueNames(NamedTuple):
    create_order: str
    notifications: str
    maintenance: str


def queue_names() -> QueueNames:
    """Logical queue names; SQS_QUEUE_PREFIX is applied by kombu and by queue creation alike."""
    return QueueNames(
        create_order="create-order-queue",
        notifications="notifications-queue",
        maintenance="maintenance-queue",
    )


def broker_settings(
    *,
    endpoint_url: str,
    access_key_id: str,
    secret_access_key: str,
    region: str,
    queue_prefix: str,
    visibility_timeout: int,
    wait_time_seconds: int = 10,
) -> tuple[str, dict]:
    """Return (broker URL, transport options) for kombu's SQS transport.

    kombu takes the SQS endpoint from the broker URL's host, so a local endpoint becomes
    `sqs://KEY:SECRET@host:port`; with no endpoint, boto3 finds AWS and its credentials itself.
    """
    options = {
        "region": region,
        "queue_name_prefix": queue_prefix,
        "visibility_timeout": visibility_timeout,
        # Long polling; a short pause between polls keeps latency low without busy-waiting.
        # A worker that stops leaves its last poll open at the server for up to this long,
        # and a message arriving meanwhile is handed to nobody until its visibility times out.
        "wait_time_seconds": wait_time_seconds,
        "polling_interval": 0,
        # Fail fast when the broker is unreachable instead of botocore's 60 s default.
        "client-config": {
            "connect_timeout": 2,
            "read_timeout": 20,
            "retries": {"total_max_attempts": 2},
        },
    }
    if not endpoint_url:
        credentials = ""
        if access_key_id and secret_access_key:
            credentials = f"{quote(access_key_id, safe='')}:{quote(secret_access_key, safe='')}@"
        return f"sqs://{credentials}", options
    endpoint = urlsplit(endpoint_url)
    options["is_secure"] = endpoint.scheme == "https"
    credentials = f"{quote(access_key_id, safe='')}:{quote(secret_access_key, safe='')}"
    return f"sqs://{credentials}@{endpoint.netloc}", options
