"""Production settings: refuse to start on missing or insecure values; pass check --deploy."""

import os
import re
import subprocess
import sys

import pytest

from endless_aisle.settings.validation import insecure_settings, oidc_problems
from stores.roles import ROLE_KEYS
from tests.conftest import REPO

REALISTIC_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "endless_aisle.settings.production",
    "DJANGO_SECRET_KEY": "q7Vd-3kP9zX!mR2wL8sT5yB0nF4hJ6cE1gA+uO_iK#vN@xQ%rT8wZ2",
    "DJANGO_ALLOWED_HOSTS": "aisle.retailer.example",
    "DATABASE_URL": "postgres://aisle:pw@db.internal.example:5432/aisle",
    "CACHE_URL": "rediscache://cache.internal.example:6379/0",
    "AWS_STORAGE_BUCKET_NAME": "retailer-aisle-media",
    "AWS_REGION": "eu-west-1",
    "PARTNER_CREDENTIAL_KEYS": "38udn-bs9heGawEv-T5yHVpNMZBjXHVYKsbEZ1-7O-s=",
}


def run_manage(*args: str, **overrides: str | None) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("DJANGO_", "DATABASE_URL", "SQS_", "CACHE_URL", "OIDC_", "BREAK_GLASS_LOGIN")
        )
    }
    env.update(REALISTIC_ENVIRONMENT)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_without_warnings_on_realistic_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    "variable",
    [
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "DATABASE_URL",
        "CACHE_URL",
        "AWS_STORAGE_BUCKET_NAME",
    ],
)
def test_a_missing_variable_stops_start_up_naming_it(variable):
    result = run_manage("check", **{variable: None})

    assert result.returncode != 0
    assert f"Set the {variable} environment variable" in result.stderr


def test_an_insecure_value_stops_start_up_naming_the_variable():
    result = run_manage("check", DJANGO_DEBUG="true", DATABASE_URL="sqlite:////tmp/aisle.sqlite3")

    assert result.returncode != 0
    assert (
        "Refusing to start with insecure settings: DJANGO_DEBUG must be false; "
        "DATABASE_URL must point at PostgreSQL, not SQLite" in result.stderr
    )


SAFE = {
    "debug": False,
    "secret_key": REALISTIC_ENVIRONMENT["DJANGO_SECRET_KEY"],
    "allowed_hosts": ["aisle.retailer.example"],
    "database_engine": "django.db.backends.postgresql",
    "cache_backend": "django.core.cache.backends.redis.RedisCache",
    "sqs_endpoint_url": "",
    "partner_credential_keys": [REALISTIC_ENVIRONMENT["PARTNER_CREDENTIAL_KEYS"]],
    "demo_partner_credential_key": "demo-key",
}


def test_safe_values_have_no_problems():
    assert insecure_settings(**SAFE) == []


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        ({"debug": True}, "DJANGO_DEBUG must be false"),
        (
            {"secret_key": "short"},
            "DJANGO_SECRET_KEY must be a random value of at least 50 characters",
        ),
        (
            {"secret_key": "a" * 60},
            "DJANGO_SECRET_KEY must be a random value of at least 50 characters",
        ),
        (
            {"secret_key": "django-insecure-" + "x1y2z3" * 10},
            "DJANGO_SECRET_KEY must be a random value of at least 50 characters",
        ),
        ({"allowed_hosts": ["*"]}, "DJANGO_ALLOWED_HOSTS must list the site's host names (no '*')"),
        ({"allowed_hosts": []}, "DJANGO_ALLOWED_HOSTS must list the site's host names (no '*')"),
        (
            {"database_engine": "django.db.backends.sqlite3"},
            "DATABASE_URL must point at PostgreSQL, not SQLite",
        ),
        (
            {"cache_backend": "django.core.cache.backends.locmem.LocMemCache"},
            "CACHE_URL must point at a shared cache (Redis), not process memory",
        ),
        (
            {"partner_credential_keys": ["demo-key"]},
            "PARTNER_CREDENTIAL_KEYS must hold your own Fernet keys, not the demo key",
        ),
        (
            {"partner_credential_keys": ["not-a-fernet-key"]},
            "PARTNER_CREDENTIAL_KEYS must be Fernet keys (32 url-safe base64 bytes)",
        ),
        (
            {"sqs_endpoint_url": "http://sqs.internal.example"},
            "SQS_ENDPOINT_URL must use https (leave it empty for Amazon SQS)",
        ),
    ],
)
def test_each_insecure_value_is_named(override, problem):
    assert insecure_settings(**{**SAFE, **override}) == [problem]


def test_the_docker_build_environment_loads_production_settings():
    """deploy/Dockerfile collects static files with production settings and throwaway values:
    every variable production requires must be among them."""
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text()
    build_step = dockerfile[
        dockerfile.index("RUN DJANGO_SECRET_KEY") : dockerfile.index("collectstatic")
    ]
    names = re.findall(r"(?:RUN |^\s+)([A-Z_]+)=", build_step, flags=re.MULTILINE)
    generated = {
        "DJANGO_SECRET_KEY": REALISTIC_ENVIRONMENT["DJANGO_SECRET_KEY"],
        "PARTNER_CREDENTIAL_KEYS": REALISTIC_ENVIRONMENT["PARTNER_CREDENTIAL_KEYS"],
    }
    build_environment = {name: generated.get(name, "build") for name in names}
    build_environment["DATABASE_URL"] = "postgres://build@build.invalid/build"
    build_environment["CACHE_URL"] = "rediscache://build.invalid:6379/0"
    removed = {name: None for name in REALISTIC_ENVIRONMENT if name not in build_environment}

    result = run_manage(
        "check",
        **{
            **removed,
            **build_environment,
            "DJANGO_SETTINGS_MODULE": "endless_aisle.settings.production",
        },
    )

    assert sorted(names) == sorted(
        [
            "DJANGO_SECRET_KEY",
            "DJANGO_ALLOWED_HOSTS",
            "DATABASE_URL",
            "CACHE_URL",
            "AWS_STORAGE_BUCKET_NAME",
            "PARTNER_CREDENTIAL_KEYS",
        ]
    )
    assert result.returncode == 0, result.stderr


OIDC_ENVIRONMENT = {
    "OIDC_ISSUER_URL": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
    "OIDC_CLIENT_ID": "1example23456789",
    "OIDC_CLIENT_SECRET": "a-client-secret-from-the-secrets-store",
    "OIDC_HOSTED_UI_URL": "https://retailer-staff.auth.eu-west-1.amazoncognito.com",
}


def test_check_deploy_passes_with_sign_in_through_cognito():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **OIDC_ENVIRONMENT)

    assert result.returncode == 0, result.stderr
    assert "BREAK_GLASS_LOGIN" not in result.stderr


@pytest.mark.parametrize("variable", sorted(OIDC_ENVIRONMENT))
def test_an_incomplete_oidc_configuration_stops_start_up_naming_the_variable(variable):
    result = run_manage("check", **{**OIDC_ENVIRONMENT, variable: None})

    assert result.returncode != 0
    assert (
        "Refusing to start with insecure settings: "
        f"{variable} must be set: the OIDC configuration is incomplete"
    ) in result.stderr


def test_break_glass_login_is_logged_loudly_at_start():
    result = run_manage("check", BREAK_GLASS_LOGIN="true", **OIDC_ENVIRONMENT)

    assert result.returncode == 0, result.stderr
    assert (
        "WARNING stores.apps BREAK_GLASS_LOGIN is ON: password sign-in is allowed beside the "
        "identity provider. Turn it off (BREAK_GLASS_LOGIN=false) as soon as the identity "
        "provider is back." in result.stderr
    )


OIDC_SAFE = {
    "issuer_url": OIDC_ENVIRONMENT["OIDC_ISSUER_URL"],
    "client_id": "client",
    "client_secret": "secret",
    "hosted_ui_url": OIDC_ENVIRONMENT["OIDC_HOSTED_UI_URL"],
    "group_roles": {"store-manager": "manager"},
    "role_keys": ROLE_KEYS,
}


def test_oidc_off_or_complete_has_no_problems():
    off = {**OIDC_SAFE, "issuer_url": "", "client_id": "", "client_secret": "", "hosted_ui_url": ""}

    assert oidc_problems(**off) == []
    assert oidc_problems(**OIDC_SAFE) == []


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        ({"issuer_url": "http://cognito.example/pool"}, "OIDC_ISSUER_URL must use https"),
        ({"hosted_ui_url": "http://auth.example"}, "OIDC_HOSTED_UI_URL must use https"),
        (
            {"group_roles": {"store-manager": "boss"}},
            "OIDC_GROUP_ROLES must map provider groups to roles (associate, manager, "
            "merchandiser, kiosk), e.g. store-manager=manager; unknown: boss",
        ),
        (
            {"group_roles": {}},
            "OIDC_GROUP_ROLES must map provider groups to roles (associate, manager, "
            "merchandiser, kiosk), e.g. store-manager=manager",
        ),
    ],
)
def test_each_unsafe_oidc_value_is_named(override, problem):
    assert oidc_problems(**{**OIDC_SAFE, **override}) == [problem]
