from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import (
    FileExtensionValidator,
    MaxValueValidator,
    MinValueValidator,
    URLValidator,
)
from django.db import models
from django.utils import timezone
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from partners.call_budget import READ_ATTEMPTS_MAX, CallBudget, web_budget_problem
from partners.facts import (
    POLL_INTERVAL_MAX_SECONDS,
    POLL_INTERVAL_MIN_SECONDS,
    REPLAY_WINDOW_MAX_SECONDS,
    REPLAY_WINDOW_MIN_SECONDS,
    SHIPPING_AMOUNT_DECIMAL_PLACES,
    SHIPPING_AMOUNT_MAX_DIGITS,
    ShippingRule,
    StatusDelivery,
    WebhookSignatureScheme,
    partner_facts_errors,
    partner_facts_kept_errors,
)
from partners.header_rules import header_name_problem
from partners.history_saves import SaveMarkedHistory
from partners.operations import Operation


def validate_url_or_path(value: str) -> None:
    if value.startswith("//"):
        raise ValidationError("Give a full URL (https://…) or a path starting with a single /.")
    if not value.startswith("/"):
        URLValidator(schemes=["http", "https"])(value)


HMAC_PARTS = frozenset({"method", "path", "timestamp", "body"})


class Partner(models.Model):
    """A drop-ship supplier and how to reach it. Secrets live in PartnerCredentials, encrypted."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        TESTING = "testing", "Testing"
        LIVE = "live", "Live"
        PAUSED = "paused", "Paused"
        RETIRED = "retired", "Retired"

    class AuthType(models.TextChoices):
        NONE = "none", "None"
        API_KEY_HEADER = "api_key_header", "API key in a header"
        API_KEY_QUERY = "api_key_query", "API key in a query parameter"
        BASIC = "basic", "HTTP Basic"
        OAUTH2_CLIENT_CREDENTIALS = "oauth2_client_credentials", "OAuth2 client credentials"
        HMAC = "hmac", "HMAC-signed requests"

    class LookupKind(models.TextChoices):
        """What a lookup answers; the values are the mapping layer's LOOKUP_KINDS."""

        PRODUCT = "product", "Products: name, variants, cost"
        AVAILABILITY = "availability", "Availability only: available or not"

    class Deduplication(models.TextChoices):
        IDEMPOTENCY_KEY_HEADER = "idempotency_key_header", "Idempotency-key header"
        REFERENCE_IN_BODY = "reference_in_body", "Our order reference, rejected when repeated"
        NONE = "none", "None: an unknown outcome goes to review, never re-sent"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    categories = models.JSONField(
        default=list, blank=True, help_text='Categories served, e.g. ["apparel", "footwear"].'
    )
    priority = models.PositiveSmallIntegerField(
        default=100, help_text="Lower comes first when partners offer the same item."
    )
    contact_email = models.EmailField(blank=True)
    logo = models.FileField(
        upload_to="partner-logos/",
        blank=True,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg", "webp", "svg"])],
    )
    adapter = models.CharField(
        max_length=40,
        default="declarative",
        help_text="How calls are built: 'declarative' uses the operation mappings below.",
    )
    base_url = models.URLField("base URL", help_text="e.g. https://api.partner.example")
    auth_type = models.CharField(max_length=30, choices=AuthType.choices, default=AuthType.NONE)
    api_key_name = models.CharField(
        "API key name",
        max_length=100,
        blank=True,
        help_text="Header or query parameter that carries the API key.",
    )
    oauth_token_url = models.CharField(
        "OAuth2 token URL",
        max_length=300,
        blank=True,
        validators=[validate_url_or_path],
        help_text="OAuth2 token endpoint: a full URL, or a path appended to the base URL "
        "(/oauth/token).",
    )
    oauth_scope = models.CharField("OAuth2 scope", max_length=200, blank=True)
    hmac_header_name = models.CharField(
        "HMAC header name", max_length=100, blank=True, default="X-Signature"
    )
    hmac_signed_parts = models.CharField(
        "HMAC signed parts",
        max_length=100,
        blank=True,
        default="method,path,timestamp,body",
        help_text="What is signed, in order, joined by newlines: method, path, timestamp, body.",
    )
    connect_timeout_ms = models.PositiveIntegerField(
        default=1000, validators=[MinValueValidator(50), MaxValueValidator(30_000)]
    )
    read_timeout_ms = models.PositiveIntegerField(
        default=3000, validators=[MinValueValidator(50), MaxValueValidator(60_000)]
    )
    read_attempts = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(READ_ATTEMPTS_MAX)],
        help_text="How many times a read (lookup, search, similar items, order status) is tried "
        "when the partner times out or fails for a moment. Orders are sent once.",
    )
    max_concurrent_requests = models.PositiveSmallIntegerField(
        default=8, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    max_response_kb = models.PositiveIntegerField(
        default=2048, validators=[MinValueValidator(1), MaxValueValidator(51_200)]
    )
    lookup_kind = models.CharField(
        max_length=20,
        choices=LookupKind.choices,
        default=LookupKind.PRODUCT,
        help_text="What the partner's lookup answers: whole products, or only whether it can "
        "supply the code in the quantity asked (the catalogue then supplies name and price).",
    )
    one_item_per_order = models.BooleanField(
        default=False,
        help_text="The partner takes a single item per order: each line is sent as its own "
        "order, with its own reference and idempotency key.",
    )
    deduplication = models.CharField(
        max_length=30, choices=Deduplication.choices, default=Deduplication.IDEMPOTENCY_KEY_HEADER
    )
    idempotency_header_name = models.CharField(max_length=100, default="Idempotency-Key")
    # --- Facts the order pipeline needs (partners/facts.py) ---
    ShippingRule = ShippingRule
    StatusDelivery = StatusDelivery
    WebhookSignatureScheme = WebhookSignatureScheme
    ships_to = CountryField(
        "countries shipped to",
        multiple=True,
        blank=True,
        error_messages={
            "invalid_choice": "%(value)s is not a country code (ISO 3166-1 alpha-2, e.g. GB)."
        },
        help_text="Where the partner delivers to customers.",
    )
    shipping_rule = models.CharField(
        max_length=10,
        choices=ShippingRule.choices,
        blank=True,
        help_text="What the store charges the customer for delivery of this partner's part of "
        "an order (the partner quotes no shipping).",
    )
    shipping_amount = models.DecimalField(
        max_digits=SHIPPING_AMOUNT_MAX_DIGITS,
        decimal_places=SHIPPING_AMOUNT_DECIMAL_PLACES,
        null=True,
        blank=True,
        help_text="The charge, per order or per item, in the currency below.",
    )
    shipping_free_above = models.DecimalField(
        "free shipping from",
        max_digits=SHIPPING_AMOUNT_MAX_DIGITS,
        decimal_places=SHIPPING_AMOUNT_DECIMAL_PLACES,
        null=True,
        blank=True,
        help_text="Optional: no charge when the partner's items in the order cost at least "
        "this much at selling price.",
    )
    shipping_currency = models.CharField(
        max_length=3,
        blank=True,
        help_text="ISO 4217 code of the amounts, e.g. GBP: the currency of the stores it serves.",
    )
    status_delivery = models.CharField(
        "order status delivery",
        max_length=10,
        choices=StatusDelivery.choices,
        blank=True,
        help_text="How the partner's order status changes reach us.",
    )
    status_poll_interval_seconds = models.PositiveIntegerField(
        "polling interval (seconds)",
        default=900,
        validators=[
            MinValueValidator(POLL_INTERVAL_MIN_SECONDS),
            MaxValueValidator(POLL_INTERVAL_MAX_SECONDS),
        ],
        help_text="With polling: how often each open order's status is asked for.",
    )
    webhook_signature_scheme = models.CharField(
        max_length=20,
        choices=WebhookSignatureScheme.choices,
        default=WebhookSignatureScheme.BODY,
        help_text="With a webhook: what the partner signs with the shared webhook secret.",
    )
    webhook_signature_header = models.CharField(
        max_length=100,
        default="X-Signature",
        blank=True,
        help_text="The header carrying the signature: hex or base64, optionally after sha256=.",
    )
    webhook_timestamp_header = models.CharField(
        max_length=100,
        default="X-Timestamp",
        blank=True,
        help_text="With timestamp and body signed: the header carrying the time it was sent, "
        "in whole seconds since 1970.",
    )
    webhook_replay_window_seconds = models.PositiveIntegerField(
        "webhook replay window (seconds)",
        default=300,
        validators=[
            MinValueValidator(REPLAY_WINDOW_MIN_SECONDS),
            MaxValueValidator(REPLAY_WINDOW_MAX_SECONDS),
        ],
        help_text="With timestamp and body signed: a webhook whose timestamp is further than "
        "this from our clock, either way, is refused.",
    )
    webhook_secret_set_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the webhook secret (kept encrypted with the credentials) was last set.",
    )
    secret_header_names = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="Names of the secret headers sent to this partner; their values are kept "
        "encrypted with the credentials.",
    )
    config_version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Goes up with every change to the partner or its mappings.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"], bases=[SaveMarkedHistory])

    class Meta:
        ordering = ["priority", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Settings each auth type needs; checked for the admin and for imports alike."""
        if self.auth_type not in self.AuthType.values:
            return  # the field's own check reports it
        errors = {}
        api_key = {self.AuthType.API_KEY_HEADER, self.AuthType.API_KEY_QUERY}
        if self.auth_type in api_key and not self.api_key_name:
            errors["api_key_name"] = "Name the header or query parameter for the API key."
        if self.auth_type == self.AuthType.OAUTH2_CLIENT_CREDENTIALS and not self.oauth_token_url:
            errors["oauth_token_url"] = "OAuth2 needs the token endpoint."  # noqa: S105
        if self.auth_type == self.AuthType.HMAC:
            signed = str(self.hmac_signed_parts or "")
            parts = [part.strip() for part in signed.split(",") if part.strip()]
            if not parts or not set(parts) <= HMAC_PARTS:
                errors["hmac_signed_parts"] = (
                    f"List what is signed, from: {', '.join(sorted(HMAC_PARTS))}."
                )
            if not self.hmac_header_name:
                errors["hmac_header_name"] = "Name the header that carries the signature."
        if problem := self._secret_header_names_problem():
            errors["secret_header_names"] = problem
        errors.update(partner_facts_errors(self))
        if self.status in (self.Status.LIVE, self.Status.PAUSED):
            errors.update(partner_facts_kept_errors(self))
        if problem := self._web_budget_problem():
            errors[NON_FIELD_ERRORS] = problem
        if errors:
            raise ValidationError(errors)

    def read_budget(self) -> CallBudget:
        """The time limits of one read (writes are sent once, so reads are the longest)."""
        return CallBudget(
            connect_timeout_ms=self.connect_timeout_ms,
            read_timeout_ms=self.read_timeout_ms,
            attempts=self.read_attempts,
            token_renewal=self.auth_type == self.AuthType.OAUTH2_CLIENT_CREDENTIALS,
        )

    def _web_budget_problem(self) -> str | None:
        """Pages ask partners while the web server waits: a partner that could keep a page
        waiting longer than the server allows would turn a slow partner into a failed page."""
        numbers = (self.connect_timeout_ms, self.read_timeout_ms, self.read_attempts)
        if not all(isinstance(number, int) and number > 0 for number in numbers):
            return None  # the fields' own checks report it
        return web_budget_problem(
            self.read_budget(),
            web_timeout_seconds=settings.WEB_REQUEST_TIMEOUT_SECONDS,
            render_margin_seconds=settings.WEB_RENDER_MARGIN_SECONDS,
        )

    def _secret_header_names_problem(self) -> str | None:
        names = self.secret_header_names
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            return 'Must be a list of header names, e.g. ["X-Partner-Token"].'
        for name in names:
            if problem := header_name_problem(name):
                return f"{name!r} {problem}."
        lowered = [name.lower() for name in names]
        if len(set(lowered)) != len(lowered):
            return "A header name is listed twice."
        return None


class PartnerCredentials(models.Model):
    """Encrypted secrets (API key, password, client secret, HMAC secret, secret headers). Never
    shown back. `encrypted` is one JSON object: the auth type's credentials by name, and under
    SECRET_HEADERS an object of header name → value."""

    SECRET_HEADERS = "secret_headers"  # noqa: S105 - a key name, not a credential

    partner = models.OneToOneField(Partner, on_delete=models.CASCADE, related_name="credentials")
    encrypted = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When and by whom the credentials changed; never their values.
    history = HistoricalRecords(
        excluded_fields=["encrypted", "updated_at"], bases=[SaveMarkedHistory]
    )

    class Meta:
        verbose_name_plural = "partner credentials"

    def __str__(self) -> str:
        return f"Credentials of {self.partner}"


class OperationConfig(models.Model):
    """How one operation maps to the partner's API: request, call and response mapping."""

    class BodyFormat(models.TextChoices):
        JSON = "json", "JSON"
        XML = "xml", "XML"

    class Method(models.TextChoices):
        GET = "GET", "GET"
        POST = "POST", "POST"
        PUT = "PUT", "PUT"
        PATCH = "PATCH", "PATCH"
        DELETE = "DELETE", "DELETE"

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="operations")
    operation = models.CharField(max_length=20, choices=Operation.choices)
    method = models.CharField(max_length=6, choices=Method.choices, default=Method.GET)
    path_template = models.CharField(
        max_length=300, help_text="Path under the base URL, e.g. /v1/products/by-barcode/{code}."
    )
    headers = models.JSONField(default=dict, blank=True, help_text="Fixed headers to send.")
    body_format = models.CharField(
        max_length=4, choices=BodyFormat.choices, default=BodyFormat.JSON
    )
    request_mapping = models.TextField(
        blank=True,
        help_text="JSONata: from the operation input to {path, query, headers, body}.",
    )
    response_mapping = models.TextField(
        help_text="JSONata: from {status, headers, body} to the canonical result."
    )
    accepted_statuses = models.JSONField(
        default=list,
        blank=True,
        help_text="HTTP statuses the response mapping handles besides 2xx, e.g. [404] or [409].",
    )
    history = HistoricalRecords(bases=[SaveMarkedHistory])

    class Meta:
        ordering = ["partner", "operation"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "operation"],
                name="one_config_per_partner_operation",
                violation_error_message="This partner already has a configuration for it.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner} · {self.get_operation_display()}"


class PartnerLiveVersion(models.Model):
    """The configuration that serves a partner's runtime calls: the call-shaping settings and
    operations (as a configuration file's document) and the encrypted credentials, frozen when
    the partner went live or a pending version was promoted. The Partner, OperationConfig and
    PartnerCredentials rows hold the newest configuration; while their `config_version`
    differs from this one they are a pending version. See `partners.live_versions`."""

    partner = models.OneToOneField(
        Partner, on_delete=models.CASCADE, primary_key=True, related_name="live_version"
    )
    config_version = models.PositiveIntegerField()
    config = models.JSONField(help_text="The configuration file's document at that version.")
    credentials_encrypted = models.TextField(blank=True)
    highest_version = models.PositiveIntegerField(
        default=0,
        help_text="The highest version the partner's rows have had: discarding a pending "
        "version takes them back to this one, and the next change goes above both.",
    )
    promoted_at = models.DateTimeField()
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when the version went live without a person (a status change or "
        "a script).",
    )

    def __str__(self) -> str:
        return f"{self.partner} v{self.config_version} (live)"


CORRELATION_MAX_LENGTH = 64


class PartnerCall(models.Model):
    """One outbound call: what, how long, how it ended. No secrets and no customer data."""

    class Outcome(models.TextChoices):
        OK = "ok", "OK"
        NOT_FOUND = "not_found", "Not carried / not found"
        HTTP_ERROR = "http_error", "HTTP error"
        TIMEOUT = "timeout", "Timeout"
        UNAVAILABLE = "unavailable", "Unavailable"
        RATE_LIMITED = "rate_limited", "Rate limited"
        TOO_LARGE = "too_large", "Response too large"
        BAD_RESPONSE = "bad_response", "Bad response"
        MAPPING_ERROR = "mapping_error", "Mapping error"
        AUTH_FAILED = "auth_failed", "Authentication failed"
        CIRCUIT_OPEN = "circuit_open", "Circuit open"
        REFUSED = "refused", "Refused by the SSRF guard"

    class Delivery(models.TextChoices):
        """Whether the request may have reached the partner: what decides if it can be resent."""

        NOT_SENT = "not_sent", "Not sent"
        UNKNOWN = "unknown", "Maybe received, no answer"
        ANSWERED = "answered", "Answered"

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="calls")
    operation = models.CharField(max_length=30)
    method = models.CharField(max_length=6)
    path = models.CharField(max_length=300, help_text="Without the query string.")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    delivery = models.CharField(
        max_length=10,
        choices=Delivery.choices,
        blank=True,
        help_text="Whether the request may have reached the partner; blank for calls logged "
        "before this was recorded.",
    )
    error = models.CharField(max_length=500, blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    config_version = models.PositiveIntegerField()
    correlation = models.CharField(
        max_length=CORRELATION_MAX_LENGTH,
        blank=True,
        help_text="The caller's opaque reference for the call, e.g. an order's idempotency key.",
    )
    # When the attempt ended: set as the row is made, which may be before it is written (a
    # batch of the call log, `partners.http.call_log`).
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["partner", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.partner} {self.operation} {self.outcome}"


class PartnerSlot(models.Model):
    """One of a partner's concurrency slots, leased by a call in any process for at most the
    call's deadline plus a margin (see `partners.http.limits`). `holder` is the call's random
    token, empty when the slot is free; a lease whose `expires_at` has passed is free too.

    No foreign key: slots are written on every call, in their own transaction, and must neither
    wait on a lock an admin write holds on the partner row nor stop a partner being deleted.
    On PostgreSQL the table is UNLOGGED (migration 0003): leases live for seconds, so they are
    not worth a disk flush per call, and losing them in a crash only frees every slot.
    """

    partner_id = models.BigIntegerField()
    number = models.PositiveSmallIntegerField()
    holder = models.CharField(max_length=32, blank=True)
    expires_at = models.FloatField(default=0.0, help_text="Seconds since the epoch.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner_id", "number"], name="one_slot_per_number")
        ]

    def __str__(self) -> str:
        return f"Partner {self.partner_id} slot {self.number}"


class PartnerCircuit(models.Model):
    """A partner's circuit breaker at one configuration version, shared by every process (see
    `partners.http.limits.circuit`). No row means closed with no failures. No foreign key, for
    the same reasons as PartnerSlot; UNLOGGED on PostgreSQL as well."""

    class State(models.TextChoices):
        CLOSED = "closed", "Closed"
        OPEN = "open", "Open"
        HALF_OPEN = "half_open", "Half-open"

    partner_id = models.BigIntegerField()
    config_version = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.CLOSED)
    failures = models.PositiveIntegerField(default=0)
    opened_at = models.FloatField(default=0.0, help_text="Seconds since the epoch.")
    probe_token = models.CharField(max_length=32, blank=True)
    probe_expires_at = models.FloatField(default=0.0, help_text="Seconds since the epoch.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partner_id", "config_version"], name="one_circuit_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"Partner {self.partner_id} v{self.config_version}: {self.state}"


class PartnerProof(models.Model):
    """What shows a partner works at one configuration version: a Test connection run, a test
    order, or a merchandiser's sign-off of orders for a partner without a test mode. The go-live
    gate (`partners.go_live`) reads these; they are never edited.

    `answers` keeps what the response mapping saw of each partner answer (its input, status,
    headers without credentials or cookies, and body up to `partners.proofs.ANSWER_KEPT_MAX_BYTES`),
    so mappings can be checked again on real answers. Never secrets; never customer data (test
    orders go to a test address, and an order's status is kept only for test orders)."""

    class Kind(models.TextChoices):
        CONNECTION_TEST = "connection_test", "Test connection"
        TEST_ORDER = "test_order", "Test order"
        SIGN_OFF = "sign_off", "Sign-off"

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="proofs")
    config_version = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    operation = models.CharField(max_length=20, choices=Operation.choices)
    passed = models.BooleanField()
    value = models.CharField(
        max_length=200, blank=True, help_text="The code, text or id sent; a test order's reference."
    )
    summary = models.CharField(max_length=500)
    answers = models.JSONField(default=list, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True, help_text="Why orders are signed off without a test.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["partner", "config_version"])]

    def __str__(self) -> str:
        outcome = "passed" if self.passed else "failed"
        return f"{self.partner} v{self.config_version} {self.get_kind_display()} {outcome}"


class WebhookDelivery(models.Model):
    """A webhook delivery we accepted, kept for the partner's replay window: the same signed
    delivery presented again within it is refused (`partners.webhook_replays`)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    # SHA-256 of what the signature covers (the body, or timestamp "." body): no secret.
    digest = models.CharField(max_length=64)
    received_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "digest"], name="webhook_delivery_once")
        ]
        indexes = [
            models.Index(fields=["partner", "expires_at"], name="webhook_delivery_expiry_idx")
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.digest[:12]}…"
