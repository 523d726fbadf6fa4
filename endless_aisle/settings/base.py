"""Settings shared by every environment, read from environment variables.

The defaults here run the local demo with nothing installed: a SQLite file, the SQS API served
by moto on loopback, mail on the console. `production.py` removes every default that is not safe.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

from endless_aisle.settings.sqs import broker_settings, queue_names
from endless_aisle.settings.validation import partner_limits_problems

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY", default="local-demo-key-not-secret-do-not-use-in-production"
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The Django admin, open to merchandisers and superusers only.
    "endless_aisle.admin_config.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_countries",
    "rest_framework",
    "simple_history",
    "import_export",
    "axes",
    "endless_aisle",
    "stores",
    "partners",
    "catalog",
    "orders",
]

MIDDLEWARE = [
    # First: a load balancer's probe is answered before the Host header is checked.
    "endless_aisle.health.HealthzMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "stores.middleware.ActingStoreMiddleware",
    "stores.middleware.KioskIdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "endless_aisle.htmx_login.HtmxLoginRedirectMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "partners.history_saves.HistorySaveMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into a 429 response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "endless_aisle.urls"
WSGI_APPLICATION = "endless_aisle.wsgi.application"
ASGI_APPLICATION = "endless_aisle.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "stores.context_processors.acting_store",
                "catalog.context_processors.cart_nav",
            ],
        },
    },
]


def database_config(url: str) -> dict:
    """Parse DATABASE_URL; SQLite gets what lets the web server and worker write side by side.

    SQLite writes through a write-ahead log, flushed to disk at checkpoints rather than on
    every commit: every partner call writes its slot lease twice (ADR 0013), and a flush per
    commit cost about 10 ms each on a shared disk. A crash of the machine (not of a process)
    may lose the last commits; the demo can afford that, production runs on PostgreSQL.
    """
    config = environ.Env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    else:
        config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {
    "default": database_config(
        env.str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'endless-aisle.sqlite3'}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://endless-aisle")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# A login lasts a shift on a shared store tablet; a kiosk's ends after it stands idle.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)
KIOSK_IDLE_SECONDS = env.int("KIOSK_IDLE_SECONDS", default=30 * 60)
# Lax, not Strict: the OIDC callback arrives as a cross-site redirect and needs the session.
SESSION_COOKIE_SAMESITE = "Lax"

# --- Staff login: OpenID Connect (Amazon Cognito) and the password login ------------------------
# OIDC is on when OIDC_ISSUER_URL is set; endpoints and keys come from the issuer's discovery
# document (stores/oidc/). With OIDC on, the password login is off unless BREAK_GLASS_LOGIN.
OIDC_ISSUER_URL = env.str("OIDC_ISSUER_URL", default="")
OIDC_ENABLED = bool(OIDC_ISSUER_URL)
OIDC_RP_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
# Cognito's hosted UI (https://DOMAIN), whose /logout ends the provider's session too.
OIDC_HOSTED_UI_URL = env.str("OIDC_HOSTED_UI_URL", default="")
# Provider group → role (associate, manager, merchandiser, kiosk). Unmapped groups are ignored.
OIDC_GROUP_ROLES = env.dict(
    "OIDC_GROUP_ROLES",
    default={
        "store-associate": "associate",
        "store-manager": "manager",
        "merchandiser": "merchandiser",
        "kiosk": "kiosk",
    },
)
OIDC_CLOCK_LEEWAY_SECONDS = env.int("OIDC_CLOCK_LEEWAY_SECONDS", default=60)
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=10)
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
# Cognito's token endpoint takes the client secret in a Basic Authorization header.
OIDC_TOKEN_USE_BASIC_AUTH = True
BREAK_GLASS_LOGIN = env.bool("BREAK_GLASS_LOGIN", default=False)
PASSWORD_LOGIN_ENABLED = not OIDC_ENABLED or BREAK_GLASS_LOGIN
# django-axes' backend first: it refuses a locked-out username and address before any password
# is checked. It throttles password logins only (AXES_WHITELIST_CALLABLE below).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    *(["stores.oidc.backend.StaffOidcBackend"] if OIDC_ENABLED else []),
    *(["django.contrib.auth.backends.ModelBackend"] if PASSWORD_LOGIN_ENABLED else []),
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Only a deployment collects static files; the demo serves them from the app folders.
STATIC_ROOT = env.str("DJANGO_STATIC_ROOT", default="") or None
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the apps' folders: the demo needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Endless Aisle <no-reply@localhost>")

# --- Catalogue CSV import and export (django-import-export) ------------------------------------
# Importing needs the right to change the rows, exporting the right to see them. A file waits
# between the preview and the import in the default storage (S3 in production), which every web
# process reads.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.MediaStorage"
# Formula cells are escaped by catalog.csv_format (this library's own escaping drops "=" only).

# --- Login throttling (django-axes; docs/adr/0011-login-lockout.md) -----------------------------
# Failures are counted per username *and* client address, so nobody can lock a colleague out
# from elsewhere, and a success before the limit starts the count again.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
# 0 minutes: locked until unlocked in the admin (Axes → Access attempts → delete).
_LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
AXES_COOLOFF_TIME = timedelta(minutes=_LOGIN_LOCKOUT_MINUTES) if _LOGIN_LOCKOUT_MINUTES else None
AXES_RESET_ON_SUCCESS = True
# Successful logins are not recorded: the table would grow forever and nothing reads it.
AXES_DISABLE_ACCESS_LOG = True
AXES_CLIENT_IP_CALLABLE = "stores.login_lockout.login_client_ip"
AXES_LOCKOUT_CALLABLE = "stores.login_lockout.login_lockout_response"
# A sign-in through the identity provider carries no username: counting its failures by address
# alone would lock a whole store out, and the provider throttles its own password checks.
AXES_WHITELIST_CALLABLE = "stores.login_lockout.login_not_by_password"
# Proxies in front of the web server that append the client's address to X-Forwarded-For (the
# load balancer in production). 0: the peer address is the client's.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- AWS and the SQS broker -------------------------------------------------------------------
AWS_REGION = env.str("AWS_REGION", default="eu-west-1")
SQS_ENDPOINT_URL = env.str("SQS_ENDPOINT_URL", default="http://127.0.0.1:9324")
SQS_ACCESS_KEY_ID = env.str("SQS_ACCESS_KEY_ID", default="local")
SQS_SECRET_ACCESS_KEY = env.str("SQS_SECRET_ACCESS_KEY", default="local")
SQS_QUEUE_PREFIX = env.str("SQS_QUEUE_PREFIX", default="")
SQS_CREATE_QUEUES = env.bool("SQS_CREATE_QUEUES", default=True)
SQS_VISIBILITY_TIMEOUT = env.int("SQS_VISIBILITY_TIMEOUT", default=300)
SQS_MAX_RECEIVE_COUNT = env.int("SQS_MAX_RECEIVE_COUNT", default=5)
SQS_WAIT_TIME_SECONDS = env.int("SQS_WAIT_TIME_SECONDS", default=10)
SQS_QUEUES = queue_names()

CELERY_BROKER_URL, CELERY_BROKER_TRANSPORT_OPTIONS = broker_settings(
    endpoint_url=SQS_ENDPOINT_URL,
    access_key_id=SQS_ACCESS_KEY_ID,
    secret_access_key=SQS_SECRET_ACCESS_KEY,
    region=AWS_REGION,
    queue_prefix=SQS_QUEUE_PREFIX,
    visibility_timeout=SQS_VISIBILITY_TIMEOUT,
    wait_time_seconds=SQS_WAIT_TIME_SECONDS,
)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# One exchange and routing key per queue, so a task routed to a queue lands in that queue only.
CELERY_TASK_QUEUES = [Queue(name, Exchange(name), routing_key=name) for name in SQS_QUEUES]
CELERY_TASK_DEFAULT_QUEUE = SQS_QUEUES.maintenance
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# At-least-once delivery: a task is acknowledged only when it finished, and one that dies with
# its worker goes back to the queue. Tasks are written to be safe to run twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task must finish (or be killed) well before SQS makes its message visible again.
CELERY_TASK_TIME_LIMIT = SQS_VISIBILITY_TIMEOUT * 4 // 5
CELERY_TASK_SOFT_TIME_LIMIT = SQS_VISIBILITY_TIMEOUT * 3 // 5
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", default=30)
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "endless_aisle.tasks.worker_heartbeat",
        "schedule": WORKER_HEARTBEAT_SECONDS,
    },
    "partner-calls-prune": {
        "task": "partners.tasks.partner_calls_prune_old",
        "schedule": 6 * 60 * 60,
    },
    # A parked cart leaves the parked list at its expiry (selectors filter on it); this only
    # deletes the rows, with the customer's name, soon after.
    "carts-parked-expire": {
        "task": "catalog.tasks.carts_parked_expire_due",
        "schedule": 15 * 60,
    },
    "orders-outbox-sweep": {"task": "orders.outbox_sweep", "schedule": 60},
    "orders-dead-letters-record": {"task": "orders.dead_letters_record", "schedule": 60},
    # Each order is asked about at its partner's interval (60 s at least); this only finds them.
    "partner-orders-poll": {
        "task": "orders.partner_orders_poll",
        "schedule": 60,
    },
}
# Task modules autodiscovery does not find (it imports only each app's tasks.py).
CELERY_IMPORTS = ["orders.status_tasks"]
# --- The order pipeline (docs/order-pipeline.md) ---
ORDER_PLACEMENT_MAX_ATTEMPTS = env.int("ORDER_PLACEMENT_MAX_ATTEMPTS", default=6)
ORDER_PLACEMENT_BACKOFF_SECONDS = env.float("ORDER_PLACEMENT_BACKOFF_SECONDS", default=2.0)
ORDER_OUTBOX_SWEEP_AFTER_SECONDS = env.int("ORDER_OUTBOX_SWEEP_AFTER_SECONDS", default=120)

# --- Partners -----------------------------------------------------------------------------------
# Fernet keys, newest first. The demo key below is public: production requires its own.
DEMO_PARTNER_CREDENTIAL_KEY = "C45xE3ZlUWPF5LPk55Iz_81xkuF3v5twQDbVdhYHz9g="
PARTNER_CREDENTIAL_KEYS = env.list("PARTNER_CREDENTIAL_KEYS", default=[DEMO_PARTNER_CREDENTIAL_KEY])
# host[:port] entries partners may be reached at even on loopback or private addresses.
PARTNER_HOST_ALLOWLIST = env.list(
    "PARTNER_HOST_ALLOWLIST",
    default=["127.0.0.1:8301", "127.0.0.1:8302", "127.0.0.1:8303", "127.0.0.1:8304"],
)
PARTNER_CALL_RETENTION_DAYS = env.int("PARTNER_CALL_RETENTION_DAYS", default=30)
# Where every process shares partners' concurrency slots and circuit breakers (ADR 0013).
PARTNER_LIMITS_BACKEND = env.str("PARTNER_LIMITS_BACKEND", default="database")
PARTNER_LIMITS_REDIS_URL = env.str("PARTNER_LIMITS_REDIS_URL", default="")
PARTNER_LIMITS_REDIS_PREFIX = env.str(
    "PARTNER_LIMITS_REDIS_PREFIX", default="endless-aisle:partner-limits:"
)
if _limits_problems := partner_limits_problems(
    backend=PARTNER_LIMITS_BACKEND, redis_url=PARTNER_LIMITS_REDIS_URL
):
    raise ImproperlyConfigured("Refusing to start: " + "; ".join(_limits_problems))

# gunicorn kills a request after GUNICORN_TIMEOUT (deploy/gunicorn.conf.py reads the same
# variable). A partner whose reads could outlast it, less the time to render the page, is
# refused when it is saved or imported (partners/call_budget.py).
WEB_REQUEST_TIMEOUT_SECONDS = env.int("GUNICORN_TIMEOUT", default=30)
WEB_RENDER_MARGIN_SECONDS = 5

# --- Mappings -----------------------------------------------------------------------------------
# Every mapping runs in an evaluator process (partners/mapping/evaluator_pool.py): at most this
# many per web or worker process, started on demand, each killed past its time or memory bound.
MAPPING_TIMEOUT_MS = env.int("MAPPING_TIMEOUT_MS", default=200)
MAPPING_EVALUATOR_PROCESSES = env.int(
    "MAPPING_EVALUATOR_PROCESSES", default=max(1, min(4, os.cpu_count() or 1))
)
MAPPING_EVALUATOR_MEMORY_MB = env.int("MAPPING_EVALUATOR_MEMORY_MB", default=256)

# --- Catalogue ----------------------------------------------------------------------------------
# The longest a lookup, search or similar-items request waits for partners as a whole; a partner
# still busy then is shown as not answering right now (its call goes on to its own deadline).
CATALOG_PARTNER_DEADLINE_SECONDS = env.float("CATALOG_PARTNER_DEADLINE_SECONDS", default=4.0)
# How long a partner's answer (an offer, "not carried", a search page) is reused from the cache;
# errors are never cached. Pages show how old the availability they show is.
CATALOG_PARTNER_CACHE_SECONDS = env.int("CATALOG_PARTNER_CACHE_SECONDS", default=60)
# A partner answer bigger than this (pickled) is used but not cached, so one partner's huge
# answers cannot crowd everyone else's out of the cache.
CATALOG_PARTNER_CACHE_MAX_BYTES = env.int("CATALOG_PARTNER_CACHE_MAX_BYTES", default=256 * 1024)
# How long a kiosk's call for an associate stays on the associates' Scan page unhandled; after
# that the customer has gone or been helped, and the request lapses (kept, no longer shown).
CATALOG_ASSISTANCE_REQUEST_MINUTES = env.int("CATALOG_ASSISTANCE_REQUEST_MINUTES", default=30)
# How long a parked cart waits for its customer to come back before it is deleted.
CART_PARKED_HOURS = env.int("CART_PARKED_HOURS", default=24)

# --- Payments (docs/payments.md) ---------------------------------------------------------------
# The card gateway. The defaults are the sandbox gateway `run_demo` serves on loopback, with its
# public demo keys (orders/payments/sandbox/server.py); production refuses them.
DEMO_PAYMENT_GATEWAY_PUBLIC_KEY = "pk_sandbox_endless_aisle_demo"
DEMO_PAYMENT_GATEWAY_SECRET_KEY = "sk_sandbox_endless_aisle_demo_not_secret"  # noqa: S105
PAYMENT_GATEWAY_URL = env.str("PAYMENT_GATEWAY_URL", default="http://127.0.0.1:8350")
# The browser's key: it may only turn a card into a token. The secret key never leaves the server.
PAYMENT_GATEWAY_PUBLIC_KEY = env.str(
    "PAYMENT_GATEWAY_PUBLIC_KEY", default=DEMO_PAYMENT_GATEWAY_PUBLIC_KEY
)
PAYMENT_GATEWAY_SECRET_KEY = env.str(
    "PAYMENT_GATEWAY_SECRET_KEY", default=DEMO_PAYMENT_GATEWAY_SECRET_KEY
)
PAYMENT_GATEWAY_CONNECT_TIMEOUT_SECONDS = env.float(
    "PAYMENT_GATEWAY_CONNECT_TIMEOUT_SECONDS", default=3.0
)
PAYMENT_GATEWAY_READ_TIMEOUT_SECONDS = env.float(
    "PAYMENT_GATEWAY_READ_TIMEOUT_SECONDS", default=15.0
)
# Whether checkout may offer card payment (production: only once a gateway is configured).
PAYMENT_CARDS_ENABLED = bool(PAYMENT_GATEWAY_URL)

# --- Demo ---------------------------------------------------------------------------------------
DEMO_SEED_ALLOWED = True
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="endless-aisle-demo")
# The HTTPS demo's certificate authority (public certificate only), offered at /demo-ca.crt for
# tablets to trust; `run_demo --https` sets it for its web process (endless_aisle/demo_https.py).
DEMO_TLS_CA_CERTIFICATE = env.str("DEMO_TLS_CA_CERTIFICATE", default="")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Failed logins and lockouts are warnings; every successful login would be noise.
        "axes": {"level": "WARNING"},
        "botocore": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
    },
}
