"""Production: every secret comes from the environment, and insecure values stop the start-up.

A missing variable raises ImproperlyConfigured naming it; `validation.insecure_settings` lists
every value that would make the deployment unsafe.
"""

from django.core.exceptions import ImproperlyConfigured

from endless_aisle.settings.base import *  # noqa: F403
from endless_aisle.settings.base import database_config, env
from endless_aisle.settings.sqs import broker_settings
from endless_aisle.settings.validation import (
    insecure_settings,
    oidc_problems,
    payment_gateway_problems,
)
from stores.roles import ROLE_KEYS

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
DATABASES = {"default": database_config(env.str("DATABASE_URL"))}
CACHES = {"default": env.cache_url("CACHE_URL")}

# TLS ends at the load balancer, which says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# ...and appends the client's address to X-Forwarded-For, which login throttling counts by.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME")
AWS_S3_REGION_NAME = AWS_REGION  # noqa: F405
AWS_S3_CUSTOM_DOMAIN = env.str("AWS_S3_CUSTOM_DOMAIN", default="") or None
AWS_DEFAULT_ACL = None
AWS_QUERYSTRING_AUTH = AWS_S3_CUSTOM_DOMAIN is None
STATIC_ROOT = env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))  # noqa: F405
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False

# Amazon SQS itself unless an endpoint is given; credentials come from the task role.
SQS_ENDPOINT_URL = env.str("SQS_ENDPOINT_URL", default="")
SQS_ACCESS_KEY_ID = env.str("SQS_ACCESS_KEY_ID", default="")
SQS_SECRET_ACCESS_KEY = env.str("SQS_SECRET_ACCESS_KEY", default="")
# The infrastructure (deploy/) creates the queues with their dead-letter queues.
SQS_CREATE_QUEUES = env.bool("SQS_CREATE_QUEUES", default=False)
CELERY_BROKER_URL, CELERY_BROKER_TRANSPORT_OPTIONS = broker_settings(
    endpoint_url=SQS_ENDPOINT_URL,
    access_key_id=SQS_ACCESS_KEY_ID,
    secret_access_key=SQS_SECRET_ACCESS_KEY,
    region=AWS_REGION,  # noqa: F405
    queue_prefix=SQS_QUEUE_PREFIX,  # noqa: F405
    visibility_timeout=SQS_VISIBILITY_TIMEOUT,  # noqa: F405
)

DEMO_SEED_ALLOWED = False
DEMO_TLS_CA_CERTIFICATE = ""
PARTNER_CREDENTIAL_KEYS = env.list("PARTNER_CREDENTIAL_KEYS")
PARTNER_HOST_ALLOWLIST = env.list("PARTNER_HOST_ALLOWLIST", default=[])
# Card payments are off until the gateway is configured (then all of it, over https): the
# sandbox's demo URL and keys are never a production default.
PAYMENT_GATEWAY_URL = env.str("PAYMENT_GATEWAY_URL", default="")
PAYMENT_GATEWAY_PUBLIC_KEY = env.str("PAYMENT_GATEWAY_PUBLIC_KEY", default="")
PAYMENT_GATEWAY_SECRET_KEY = env.str("PAYMENT_GATEWAY_SECRET_KEY", default="")
PAYMENT_CARDS_ENABLED = bool(PAYMENT_GATEWAY_URL)

_problems = insecure_settings(
    debug=DEBUG,
    secret_key=SECRET_KEY,
    allowed_hosts=ALLOWED_HOSTS,
    database_engine=DATABASES["default"]["ENGINE"],
    cache_backend=CACHES["default"]["BACKEND"],
    sqs_endpoint_url=SQS_ENDPOINT_URL,
    partner_credential_keys=PARTNER_CREDENTIAL_KEYS,
    demo_partner_credential_key=DEMO_PARTNER_CREDENTIAL_KEY,  # noqa: F405
)
_problems += oidc_problems(
    issuer_url=OIDC_ISSUER_URL,  # noqa: F405
    client_id=OIDC_RP_CLIENT_ID,  # noqa: F405
    client_secret=OIDC_RP_CLIENT_SECRET,  # noqa: F405
    hosted_ui_url=OIDC_HOSTED_UI_URL,  # noqa: F405
    group_roles=OIDC_GROUP_ROLES,  # noqa: F405
    role_keys=ROLE_KEYS,
)
_problems += payment_gateway_problems(
    url=PAYMENT_GATEWAY_URL,
    public_key=PAYMENT_GATEWAY_PUBLIC_KEY,
    secret_key=PAYMENT_GATEWAY_SECRET_KEY,
    demo_keys=(DEMO_PAYMENT_GATEWAY_PUBLIC_KEY, DEMO_PAYMENT_GATEWAY_SECRET_KEY),  # noqa: F405
)
if _problems:
    raise ImproperlyConfigured("Refusing to start with insecure settings: " + "; ".join(_problems))
