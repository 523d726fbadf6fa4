"""Status pushes to the back office's webhook, signed the way the receiver has to verify them.

Two signing schemes, chosen per partner (and per webhook for tests):
    body            X-Sandbox-Signature: sha256=<hex HMAC-SHA256(secret, body)>
    timestamp_body  X-Sandbox-Timestamp: <unix seconds when this attempt was sent>
                    X-Sandbox-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
The second lets a receiver refuse a push whose timestamp is too old (a replay): each attempt is
signed afresh with the time it is sent, so a retry is never stale.

Pushes go out from one background thread per partner, in order, so a slow or failing receiver
delays notifications but never a partner's API answer, and never stops the server.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import queue
import ssl
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from enum import StrEnum

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Sandbox-Signature"
TIMESTAMP_HEADER = "X-Sandbox-Timestamp"
DEFAULT_WEBHOOK_SECRET = "endless-aisle-sandbox-webhook"  # noqa: S105 - demo value, loopback only
PUSH_TIMEOUT_SECONDS = 5.0


class WebhookSigning(StrEnum):
    BODY = "body"
    TIMESTAMP_BODY = "timestamp_body"


def webhook_signature(secret: str, body: bytes) -> str:
    """The header value: `sha256=` and the hex HMAC-SHA256 of the exact bytes sent."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_timestamp_signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` and the hex HMAC-SHA256 of the timestamp, a full stop and the body bytes."""
    return webhook_signature(secret, timestamp.encode() + b"." + body)


def webhook_signed_headers(
    signing: WebhookSigning, secret: str, body: bytes, *, now: float
) -> dict[str, str]:
    """The headers that sign `body` under `signing`, with `now` (unix time) as its timestamp."""
    if signing is WebhookSigning.BODY:
        return {SIGNATURE_HEADER: webhook_signature(secret, body)}
    timestamp = str(int(now))
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: webhook_timestamp_signature(secret, timestamp, body),
    }


@dataclass(frozen=True)
class WebhookTarget:
    url: str
    secret: str
    signing: WebhookSigning = WebhookSigning.BODY
    # The authority to trust for an https URL signed by a private one (the HTTPS demo's).
    cafile: str | None = None


@dataclass(frozen=True)
class _Push:
    target: WebhookTarget
    body: bytes
    content_type: str
    generation: int


class WebhookPusher:
    """Queue pushes and deliver them with a few retries; failures are logged, then dropped."""

    def __init__(self, partner: str, *, attempts: int = 4, backoff_seconds: float = 0.25) -> None:
        self._partner = partner
        self._attempts = attempts
        self._backoff_seconds = backoff_seconds
        self._target: WebhookTarget | None = None
        # Bumped by reset(): pushes from before it are dropped, even mid-retry, so one test's
        # notifications never reach the next test's receiver.
        self._generation = 0
        self._queue: queue.Queue[_Push | None] = queue.Queue()
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"sandbox-{partner}-webhooks", daemon=True
        )

    @property
    def target(self) -> WebhookTarget | None:
        return self._target

    def configure(self, target: WebhookTarget | None) -> None:
        self._target = target

    def reset(self) -> None:
        """Forget the webhook and every push not yet delivered."""
        self._target = None
        self._generation += 1

    def push(self, body: bytes, content_type: str) -> None:
        """Queue `body` for the configured webhook; without one there is nobody to tell."""
        target = self._target
        if target is not None:
            self._queue.put(_Push(target, body, content_type, self._generation))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._queue.put(None)
        self._thread.join(timeout=PUSH_TIMEOUT_SECONDS * 2)

    def _run(self) -> None:
        while (push := self._queue.get()) is not None:
            self._deliver(push)

    def _deliver(self, push: _Push) -> None:
        for attempt in range(1, self._attempts + 1):
            if push.generation != self._generation:
                return
            signed = webhook_signed_headers(
                push.target.signing, push.target.secret, push.body, now=time.time()
            )
            request = urllib.request.Request(  # noqa: S310 - the URL is set by our own test or demo wiring
                push.target.url,
                data=push.body,
                method="POST",
                headers={"Content-Type": push.content_type, **signed},
            )
            try:
                context = (
                    ssl.create_default_context(cafile=push.target.cafile)
                    if push.target.cafile
                    else None
                )
                with urllib.request.urlopen(  # noqa: S310
                    request, timeout=PUSH_TIMEOUT_SECONDS, context=context
                ) as response:
                    logger.info(
                        "webhook push partner=%s status=%s attempt=%d",
                        self._partner,
                        response.status,
                        attempt,
                    )
                    return
            except (urllib.error.URLError, OSError) as error:
                logger.warning(
                    "webhook push failed partner=%s attempt=%d/%d error=%s",
                    self._partner,
                    attempt,
                    self._attempts,
                    error,
                )
            if attempt < self._attempts and self._stopping.wait(
                self._backoff_seconds * 2 ** (attempt - 1)
            ):
                return
        logger.error("webhook push gave up partner=%s after %d attempts", self._partner, attempt)
