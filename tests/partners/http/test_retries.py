"""The retry policy: what is retried, how long to wait, how Retry-After is read."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from partners.http.errors import PartnerHttpError, PartnerRateLimited, PartnerUnavailable
from partners.http.retries import (
    BACKOFF_BASE_SECONDS,
    RETRY_AFTER_MAX_SECONDS,
    retry_after_seconds,
    retry_delay,
)

CONTEXT = {"operation": "lookup", "partner": "acme"}
RETRIES = 2


def test_transient_failures_back_off_exponentially_with_jitter():
    error = PartnerUnavailable("down", transient=True, **CONTEXT)

    first = retry_delay(error, retries_done=0, retries=RETRIES)
    second = retry_delay(error, retries_done=1, retries=RETRIES)

    assert BACKOFF_BASE_SECONDS / 2 <= first <= BACKOFF_BASE_SECONDS
    assert BACKOFF_BASE_SECONDS <= second <= 2 * BACKOFF_BASE_SECONDS


def test_no_retry_after_the_last_allowed_one():
    """The partner's read attempts less one: with a single attempt there is no retry."""
    error = PartnerUnavailable("down", transient=True, **CONTEXT)

    assert retry_delay(error, retries_done=RETRIES, retries=RETRIES) is None
    assert retry_delay(error, retries_done=0, retries=0) is None


def test_permanent_failures_are_not_retried():
    assert (
        retry_delay(
            PartnerHttpError("400", status_code=400, **CONTEXT), retries_done=0, retries=RETRIES
        )
        is None
    )
    assert (
        retry_delay(
            PartnerUnavailable("500", status_code=500, **CONTEXT), retries_done=0, retries=RETRIES
        )
        is None
    )


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [(1.5, 1.5), (RETRY_AFTER_MAX_SECONDS, RETRY_AFTER_MAX_SECONDS), (30.0, None)],
)
def test_429_waits_the_partners_retry_after_up_to_a_cap(retry_after, expected):
    error = PartnerRateLimited("429", transient=True, retry_after=retry_after, **CONTEXT)

    assert retry_delay(error, retries_done=0, retries=RETRIES) == expected


def test_retry_after_in_seconds_or_as_an_http_date():
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)

    assert retry_after_seconds("7") == 7.0
    assert 50 <= retry_after_seconds(in_a_minute) <= 60
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "-3", "1.5"])
def test_unusable_retry_after_is_ignored(value):
    assert retry_after_seconds(value) is None
