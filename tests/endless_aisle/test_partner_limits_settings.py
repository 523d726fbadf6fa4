"""PARTNER_LIMITS_* settings: a combination that cannot work stops the start-up, naming it."""

import pytest

from endless_aisle.settings.validation import partner_limits_problems
from tests.endless_aisle.test_production_settings import run_manage


@pytest.mark.parametrize(
    ("backend", "redis_url"),
    [
        ("database", ""),
        ("redis", "redis://limits.internal.example:6379/2"),
        ("redis", "rediss://limits.internal.example:6380/0"),
    ],
)
def test_workable_settings_have_no_problems(backend, redis_url):
    assert partner_limits_problems(backend=backend, redis_url=redis_url) == []


@pytest.mark.parametrize(
    ("backend", "redis_url", "problem"),
    [
        ("memory", "", "PARTNER_LIMITS_BACKEND must be one of database, redis"),
        ("redis", "", "PARTNER_LIMITS_REDIS_URL must be set when PARTNER_LIMITS_BACKEND is redis"),
        (
            "redis",
            "http://limits.internal.example",
            "PARTNER_LIMITS_REDIS_URL must be a redis://, rediss:// or unix:// URL",
        ),
        (
            "database",
            "redis://limits.internal.example:6379/2",
            "PARTNER_LIMITS_REDIS_URL is set but PARTNER_LIMITS_BACKEND is database: "
            "set PARTNER_LIMITS_BACKEND=redis to use it, or unset the URL",
        ),
    ],
)
def test_each_unworkable_combination_is_named(backend, redis_url, problem):
    assert partner_limits_problems(backend=backend, redis_url=redis_url) == [problem]


def test_production_refuses_redis_without_its_url():
    result = run_manage("check", PARTNER_LIMITS_BACKEND="redis", PARTNER_LIMITS_REDIS_URL=None)

    assert result.returncode != 0
    assert (
        "Refusing to start: PARTNER_LIMITS_REDIS_URL must be set when PARTNER_LIMITS_BACKEND is "
        "redis" in result.stderr
    )


def test_production_starts_with_redis_limits():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        PARTNER_LIMITS_BACKEND="redis",
        PARTNER_LIMITS_REDIS_URL="rediss://limits.internal.example:6380/0",
    )

    assert result.returncode == 0, result.stderr
