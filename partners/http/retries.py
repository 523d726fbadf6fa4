"""When a failed partner call is sent again, and after how long.

Only idempotent calls are retried (the client checks that): sending an order twice is the order
pipeline's decision, never the HTTP layer's. Only transient failures are retried: timeouts,
connection errors, 502/503/504 and 429, up to the partner's read attempts. A 429 whose
Retry-After is longer than `RETRY_AFTER_MAX_SECONDS` is not retried at all: waiting less than the
partner asked would only earn another 429, and the caller (a page, a worker) can decide better
what to do meanwhile.

The client also starts a retry only if its wait and a whole attempt fit before the operation's
deadline; `partners.call_budget` has the worst case of one `send`.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from partners.call_budget import (
    BACKOFF_BASE_SECONDS,
    BACKOFF_MAX_SECONDS,
    RETRY_AFTER_MAX_SECONDS,
)
from partners.http.errors import PartnerCallError, PartnerRateLimited

RETRYABLE_STATUSES = frozenset({502, 503, 504})


def retry_delay(error: PartnerCallError, *, retries_done: int, retries: int) -> float | None:
    """Seconds to wait before sending again, or None to give up and raise `error`. `retries`
    is how many retries the call may have (the partner's read attempts less one)."""
    if not error.transient or retries_done >= retries:
        return None
    # Exponential backoff with jitter, so clients that failed together do not retry together.
    backoff = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2**retries_done)
    backoff *= 0.5 + random.random() / 2  # noqa: S311 - jitter, not cryptography
    if isinstance(error, PartnerRateLimited) and error.retry_after is not None:
        if error.retry_after > RETRY_AFTER_MAX_SECONDS:
            return None
        return max(backoff, error.retry_after)
    return backoff


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date; None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())
