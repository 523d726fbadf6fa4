import contextlib
import dataclasses
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest
import redis
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from redis.exceptions import RedisError

from catalog.fanout import partner_calls_wait
from endless_aisle.queues import (
    DEAD_LETTER_SUFFIX,
    physical_queue_name,
    queues_ensure,
    sqs_client,
)
from endless_aisle.sqs_emulator import sqs_emulator_start
from partners.mapping import default_limits, default_limits_set
from partners.mapping.evaluator_pool import evaluator_pool, evaluator_pool_configure
from partners.models import PartnerCall
from partners.sandbox.onboarding import sandbox_partners_onboard
from partners.sandbox.servers import sandbox_partners_start
from stores.roles import Role
from stores.sandbox.oidc_provider import OidcProvider, ProviderClient, ProviderUser
from tests.factories import MembershipFactory, StoreFactory, UserFactory
from tests.live_server_requests import served_requests

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
WORKER_START_SECONDS = 60
# A warm shutdown waits for the task being run (a partner call with its retries, on a busy
# machine); longer is a worker that does not stop.
WORKER_STOP_SECONDS = 60
WORKER_LOG_TAIL_LINES = 40
# Longer than a page's request, or a partner call with its retries, may take.
LIVE_SERVER_IDLE_SECONDS = 30


def skip_or_fail(reason: str) -> None:
    """Skip locally; in CI (CI=true) a skipped test would hide a gap, so it fails instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must not skip: {reason}")
    pytest.skip(reason)


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        skip_or_fail(
            "needs PostgreSQL: set DATABASE_URL=postgres://USER@HOST:5432/endless_aisle "
            "(a local PostgreSQL server, e.g. Debian's postgresql package)"
        )


@pytest.fixture(scope="session", autouse=True)
def sqlite_log_files_removed():
    """SQLite writes through a write-ahead log (settings.base.database_config). Django deletes
    the test database's file at the end of the run, but not the log files beside it."""
    yield
    config = settings.DATABASES["default"]
    if config["ENGINE"].endswith("sqlite3") and config.get("TEST", {}).get("NAME"):
        for suffix in ("-wal", "-shm"):
            Path(config["TEST"]["NAME"] + suffix).unlink(missing_ok=True)


@pytest.fixture(scope="session", autouse=True)
def sqs_emulator():
    """One moto SQS server per test run, with our queues, at the test settings' endpoint."""
    server = sqs_emulator_start(settings.SQS_ENDPOINT_URL)
    queues_ensure()
    yield server
    server.stop()


@pytest.fixture
def store(db):
    return StoreFactory(code="LDN-01", name="London Oxford Street")


@pytest.fixture
def other_store(db):
    return StoreFactory(
        code="DUB-01",
        name="Dublin Grafton Street",
        currency="EUR",
        country="IE",
        timezone="Europe/Dublin",
    )


@pytest.fixture(scope="session", autouse=True)
def migrated_roles(django_db_setup, django_db_blocker) -> dict[str, list[tuple[str, str]]]:
    """Each role group's permissions (app label, codename) as the data migrations left them,
    read at the start of the run, before a transactional test's flush empties the tables.
    Empty when no test of the run uses the database: no test database was set up then."""
    with django_db_blocker.unblock():
        if "auth_group" not in connection.introspection.table_names():
            return {}
        found = {
            group.name: list(group.permissions.values_list("content_type__app_label", "codename"))
            for group in Group.objects.all()
        }
    if not found:
        pytest.fail(
            "The test database has no role groups: it was emptied after its migrations (a "
            "database kept with --reuse-db?). Run with --create-db."
        )
    return found


@pytest.fixture
def roles(db, migrated_roles):
    """The role groups with their permissions, as migrated. A transactional test's flush
    empties the tables the data migrations filled; they are filled again from the run's start."""
    present = set(Group.objects.filter(name__in=migrated_roles).values_list("name", flat=True))
    for name, permissions in migrated_roles.items():
        if name in present:
            continue
        group = Group.objects.create(name=name)
        if permissions:
            wanted = Q()
            for app_label, codename in permissions:
                wanted |= Q(content_type__app_label=app_label, codename=codename)
            group.permissions.set(Permission.objects.filter(wanted))


@pytest.fixture
def user_in_role(roles, store):
    """Make a user holding `role`, working at `store` unless stores=[] says otherwise."""

    def make(role: Role | None, *, stores=None, username=None):
        user = UserFactory(role=role, **({"username": username} if username else {}))
        for position, member_store in enumerate([store] if stores is None else stores):
            MembershipFactory(user=user, store=member_store, is_primary=position == 0)
        return user

    return make


@pytest.fixture
def merchandiser_user(user_in_role):
    return user_in_role(Role.MERCHANDISER, stores=[])


@pytest.fixture
def merchandiser(client, merchandiser_user):
    """The test client, signed in as a merchandiser (of no store)."""
    client.force_login(merchandiser_user)
    return client


def database_url(settings_dict: dict) -> str:
    """The URL of the database this test process uses, for a worker in another process."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"


def sqs_queue_url(name: str) -> str:
    """One of our queues' URL on the run's SQS server (a dead-letter queue: name + suffix)."""
    return sqs_client().get_queue_url(QueueName=physical_queue_name(name))["QueueUrl"]


def queue_drained(name: str) -> list[dict]:
    """Receive and delete every message waiting in one of our queues (SQS allows one
    PurgeQueue a minute); the messages."""
    client = sqs_client()
    url = sqs_queue_url(name)
    drained = []
    while messages := client.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0
    ).get("Messages"):
        for message in messages:
            client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        drained += messages
    return drained


def queues_emptied(*names: str) -> None:
    """Empty these queues (all of ours when none is named) and their dead-letter queues."""
    for name in names or settings.SQS_QUEUES:
        queue_drained(name)
        queue_drained(name + DEAD_LETTER_SUFFIX)


@pytest.fixture
def celery_workers(transactional_db, tmp_path):
    """Start real Celery worker processes on the test SQS server and the test database:
    `celery_workers("--pool", "prefork", env={...})`. Those still running are stopped after.
    The run shares one SQS server: the queues are emptied first of what earlier tests sent with
    no worker to take it (a checkout's orders), which these workers would otherwise run."""
    queues_emptied()
    started: list[tuple[subprocess.Popen, Path]] = []

    def start(*options: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        log_path = tmp_path / f"worker-{len(started)}.log"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "endless_aisle.settings.test",
            "DATABASE_URL": database_url(connection.settings_dict),
            "SQS_ENDPOINT_URL": settings.SQS_ENDPOINT_URL,
            **(env or {}),
        }
        name = f"test-worker-{os.getpid()}-{len(started)}@%h"
        process = worker_process_started(name, options, environment, log_path)
        started.append((process, log_path))
        return process

    yield start
    for process, log_path in started:
        worker_process_stopped(process, log_path)
    if started:
        worker_last_poll_waited()


def worker_process_started(
    name: str, options: Sequence[str], environment: dict[str, str], log_path: Path
) -> subprocess.Popen:
    """A Celery worker process named `name`, its output in `log_path`, once it says it is
    ready."""
    command = [sys.executable, "-m", "celery", "-A", "endless_aisle", "worker", "-l", "INFO"]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*command, "-n", name, *options],
            cwd=REPO,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + WORKER_START_SECONDS
    while "ready." not in log_path.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            _worker_killed(process)
            pytest.fail(f"Celery worker did not start:\n{log_path.read_text()}")
        time.sleep(0.2)
    return process


def worker_process_stopped(process: subprocess.Popen, log_path: Path) -> None:
    """Stop a worker as ECS does: a warm shutdown (SIGTERM), which lets the task it runs end.
    One still running after WORKER_STOP_SECONDS is killed, its children with it, and the test
    fails with what the worker was doing, from its log."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=WORKER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        _worker_killed(process)
        tail = "\n".join(log_path.read_text().splitlines()[-WORKER_LOG_TAIL_LINES:])
        pytest.fail(f"Celery worker did not stop in {WORKER_STOP_SECONDS} s; its log ends:\n{tail}")


def _worker_killed(process: subprocess.Popen) -> None:
    """SIGKILL for the worker and its descendants (its pool's children, their evaluators)."""
    with contextlib.suppress(psutil.NoSuchProcess):
        for child in psutil.Process(process.pid).children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
    process.kill()
    process.wait()


def worker_last_poll_waited() -> None:
    """A worker that stopped leaves its last long poll open at the SQS server for up to
    SQS_WAIT_TIME_SECONDS (1 s in tests), and the server hands that poll any message sent
    meanwhile: hidden from every other worker until its visibility times out. Wait it out
    before the next test publishes. A fixed wait: the server does not say which polls are
    still open, so there is no condition to watch."""
    time.sleep(settings.SQS_WAIT_TIME_SECONDS + 0.5)


@pytest.fixture
def celery_worker(celery_workers):
    """A real Celery worker process (one process: the solo pool)."""
    return celery_workers("--pool", "solo")


def wait_for(condition, *, seconds: float = 30, interval: float = 0.2):
    """Poll until condition() is truthy; return its value, or fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"Condition not met within {seconds} s")


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def playwright_driver():
    """Playwright, once per run: `chromium` below, and browsers that need switches of their own
    (a fake camera: tests/e2e/conftest.py), launch through it with `chromium_launch`."""
    if not shutil.which(CHROMIUM):
        skip_or_fail(
            f"needs Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)"
        )
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


def chromium_launch(playwright, *extra_args: str):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args])


@pytest.fixture(scope="session")
def chromium(playwright_driver):
    browser = chromium_launch(playwright_driver)
    yield browser
    browser.close()


@pytest.fixture(autouse=True)
def live_server_idle_before_the_database_is_emptied(request):
    """With the live server: after the test's pages are closed, wait for the requests they left
    being served (tests/live_server_requests.py), then for the partner calls those requests left
    running past their deadline (a failing partner being retried, which gives back its slot and
    writes its call-log rows on its own), before the test's database is emptied under them."""
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")  # emptied after this fixture's end
    yield
    assert served_requests.wait_for_quiet(LIVE_SERVER_IDLE_SECONDS, settle_seconds=0.2), (
        "the live server was still serving a request"
    )
    assert partner_calls_wait(LIVE_SERVER_IDLE_SECONDS), "a partner call was still running"


@pytest.fixture
def tablet(chromium, live_server):
    """A fresh browser page sized like a tablet in portrait (768 x 1024)."""
    context = chromium.new_context(
        viewport={"width": 768, "height": 1024}, base_url=live_server.url
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    """Save a screenshot under docs/screenshots when SCREENSHOTS=1."""
    if os.environ.get("SCREENSHOTS") == "1":
        page.screenshot(path=str(REPO / "docs" / "screenshots" / f"{name}.png"), full_page=True)


@pytest.fixture(scope="session")
def sandbox():
    """The sandbox partners on free loopback ports, once per run."""
    partners = sandbox_partners_start()
    yield partners
    partners.stop()


@pytest.fixture
def sandbox_allowed(settings, sandbox):
    """Let the SSRF guard through to the sandbox's loopback ports, as the demo does."""
    settings.PARTNER_HOST_ALLOWLIST = [urlsplit(partner.base_url).netloc for partner in sandbox]


@pytest.fixture
def onboarded(roles, sandbox, sandbox_allowed):
    """The sandbox partners onboarded from their configuration files as `seed_demo` does:
    tested over HTTP, with a test order each, live, with credentials, keyed by slug. The test
    starts from there as if onboarding was long ago: no calls in the log, no orders or tokens
    at the sandbox, no cached token (tokens are keyed by partner id, which a rollback reuses)."""
    cache.clear()
    partners = sandbox_partners_onboard({partner.name: partner.base_url for partner in sandbox})
    PartnerCall.objects.all().delete()
    sandbox.reset()
    cache.clear()
    return {partner.slug: partner for partner in partners}


@pytest.fixture
def evaluators():
    """Give this test mapping evaluators of its own (`evaluators(processes=1, …)`) and, with
    `evaluators(timeout_ms=…)`, another default mapping time bound; the usual ones after."""
    usual_pool, usual_limits = evaluator_pool().settings, default_limits()

    def configure(*, timeout_ms: int | None = None, **pool_changes) -> None:
        if timeout_ms is not None:
            default_limits_set(dataclasses.replace(usual_limits, timeout_ms=timeout_ms))
        evaluator_pool_configure(dataclasses.replace(usual_pool, **pool_changes))

    yield configure
    default_limits_set(usual_limits)
    evaluator_pool_configure(usual_pool)


OIDC_CLIENT_ID = "endless-aisle-tests"
OIDC_CLIENT_SECRET = "tests-client-secret"
OIDC_BACKEND = "stores.oidc.backend.StaffOidcBackend"


@pytest.fixture
def oidc_provider():
    """A real OpenID Connect provider (Cognito-shaped) on a free loopback port."""
    provider = OidcProvider()
    yield provider
    provider.stop()


def oidc_settings(settings, provider: OidcProvider, *, break_glass: bool = False) -> None:
    """What the OIDC_* variables produce in settings/base.py, pointed at `provider`."""
    settings.OIDC_ISSUER_URL = provider.issuer
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = OIDC_CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = OIDC_CLIENT_SECRET
    settings.OIDC_HOSTED_UI_URL = provider.base_url
    settings.BREAK_GLASS_LOGIN = break_glass
    settings.PASSWORD_LOGIN_ENABLED = break_glass
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        OIDC_BACKEND,
        *(["django.contrib.auth.backends.ModelBackend"] if break_glass else []),
    ]
    # Discovery and keys are cached by address; a new provider has a new one, but start clean.
    cache.clear()


@pytest.fixture
def oidc_on(settings, oidc_provider, live_server, roles):
    """OIDC on (password login off), our app registered as a client of the provider."""
    oidc_provider.add_client(
        ProviderClient(
            client_id=OIDC_CLIENT_ID,
            client_secret=OIDC_CLIENT_SECRET,
            redirect_uris=[f"{live_server.url}/oidc/callback/"],
            logout_uris=[f"{live_server.url}/accounts/login/"],
        )
    )
    oidc_settings(settings, oidc_provider)
    return oidc_provider


@pytest.fixture
def provider_user(oidc_provider):
    """Add a user to the provider's pool and sign them in at its hosted UI."""

    def make(
        username: str = "asha",
        *,
        groups: list[str] | None = None,
        store_codes: str = "LDN-01",
        signed_in: bool = True,
    ) -> ProviderUser:
        user = oidc_provider.add_user(
            ProviderUser(
                username=username,
                password="provider-password",
                given_name=username.capitalize(),
                family_name="Patel",
                groups=["store-associate"] if groups is None else groups,
                store_codes=store_codes,
            )
        )
        if signed_in:
            oidc_provider.signed_in_user = username
        return user

    return make


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis the tests of the limits and the cache use; every test keeps to keys under its
    own prefix."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except RedisError:
        skip_or_fail(f"needs Redis at {REDIS_URL} (set TEST_REDIS_URL), e.g. Debian's redis-server")
    return REDIS_URL


@pytest.fixture
def redis_prefix(redis_url) -> Iterator[str]:
    """A key prefix of this test's own (process id and a random part, so runs side by side
    never meet); its keys are deleted afterwards."""
    prefix = f"endless-aisle-test:{os.getpid()}:{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
