"""Partners' answers, kept briefly in Django's cache (process memory in the demo, Redis in
production through `CACHE_URL`).

An entry is keyed by partner, the configuration version that produced it, operation and the
operation's input (code and quantity, query and page, product id), so a partner's new version
never serves its old version's answers. Only answers are kept (an offer, "not carried", a
search page, similar items), never an error: a partner that failed is asked again next time.
Each entry keeps when the partner answered, so a page can say how old the availability is.

The cache is shared by every partner, and a partner's answer is untrusted: its size is bounded
before it is kept (`CATALOG_PARTNER_CACHE_MAX_BYTES`, measured as stored), so one partner's huge
answers cannot push everyone else's out. (Before that, the HTTP client refuses an answer over
the partner's `max_response_kb` and a mapping's result is capped at `max_output_bytes`.)
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

# Bump when the shape of what is kept changes: entries of the old shape are then never read.
KEY_PREFIX = "catalog:partner-answer:1"


@dataclass(frozen=True)
class CachedAnswer:
    answer: Any
    fetched_at: datetime


def partner_answer_key(
    *, partner_id: int, config_version: int, operation: str, arguments: dict[str, Any]
) -> str:
    """The entry's key. The input is hashed: a search query is any text a customer types, and
    a key must stay short and plain for Redis and memcached alike."""
    encoded = json.dumps(arguments, sort_keys=True, ensure_ascii=False).encode()
    digest = hashlib.sha256(encoded).hexdigest()[:40]
    return f"{KEY_PREFIX}:{partner_id}:{config_version}:{operation}:{digest}"


def partner_answers_get(keys: list[str]) -> dict[str, CachedAnswer]:
    """The entries kept under `keys`, by key, read together (one round trip to Redis
    however many partners); a key missing or unreadable is left out."""
    found = {}
    for key, stored in cache.get_many(keys).items():
        if not isinstance(stored, bytes):
            continue
        try:
            # Our own bytes, written by partner_answer_put (Django's cache unpickles every
            # value it returns in the same way).
            answer, fetched_at = pickle.loads(stored)  # noqa: S301
        except Exception:  # an entry written by an older release whose classes have changed
            logger.warning("unreadable cached partner answer %s: asking the partner", key)
            continue
        found[key] = CachedAnswer(answer=answer, fetched_at=fetched_at)
    return found


def partner_answer_put(key: str, entry: CachedAnswer) -> bool:
    """Keep the answer for CATALOG_PARTNER_CACHE_SECONDS unless it is too big; whether kept."""
    stored = pickle.dumps((entry.answer, entry.fetched_at), protocol=pickle.HIGHEST_PROTOCOL)
    limit = settings.CATALOG_PARTNER_CACHE_MAX_BYTES
    if len(stored) > limit:
        logger.info(
            "partner answer %s not cached: %d bytes, over the %d-byte limit",
            key,
            len(stored),
            limit,
        )
        return False
    cache.set(key, stored, timeout=settings.CATALOG_PARTNER_CACHE_SECONDS)
    return True
