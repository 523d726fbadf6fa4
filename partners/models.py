from django.core.exceptions import ValidationError
from django.core.validators import (
    FileExtensionValidator,
    MaxValueValidator,
    MinValueValidator,
    URLValidator,
)
from django.db import models
from simple_history.models import HistoricalRecords

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

    class AuthType(models.TextChoices):
        NONE = "none", "None"
        API_KEY_HEADER = "api_key_header", "API key in a header"
        API_KEY_QUERY = "api_key_query", "API key in a query parameter"
        BASIC = "basic", "HTTP Basic"
        OAUTH2_CLIENT_CREDENTIALS = "oauth2_client_credentials", "OAuth2 client credentials"
        HMAC = "hmac", "HMAC-signed requests"

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
    max_concurrent_requests = models.PositiveSmallIntegerField(
        default=8, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    max_response_kb = models.PositiveIntegerField(
        default=2048, validators=[MinValueValidator(1), MaxValueValidator(51_200)]
    )
    deduplication = models.CharField(
        max_length=30, choices=Deduplication.choices, default=Deduplication.IDEMPOTENCY_KEY_HEADER
    )
    idempotency_header_name = models.CharField(max_length=100, default="Idempotency-Key")
    config_version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Goes up with every change to the partner or its mappings.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

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
        if errors:
            raise ValidationError(errors)


class PartnerCredentials(models.Model):
    """Encrypted secrets (API key, password, client secret, HMAC secret). Never shown back."""

    partner = models.OneToOneField(Partner, on_delete=models.CASCADE, related_name="credentials")
    encrypted = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

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
    history = HistoricalRecords()

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

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="calls")
    operation = models.CharField(max_length=30)
    method = models.CharField(max_length=6)
    path = models.CharField(max_length=300, help_text="Without the query string.")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    error = models.CharField(max_length=500, blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    config_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

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
