"""A partner's whole configuration as JSON, without credentials: for review, backup and copying
a partner between environments (`export_partner` / `import_partner`, and the admin).

Secret headers travel as names only (`secret_header_names`); after an import,
`partner_secret_headers_unset` lists those whose values must be entered again."""

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from partners.adapters.registry import adapter_names
from partners.models import OperationConfig, Partner
from partners.services import partner_config_bump, partner_go_live_problems
from partners.validation import operation_config_problems

FORMAT = "endless-aisle-partner/1"
PARTNER_FIELDS = (
    "name",
    "slug",
    "categories",
    "priority",
    "contact_email",
    "adapter",
    "base_url",
    "auth_type",
    "api_key_name",
    "oauth_token_url",
    "oauth_scope",
    "hmac_header_name",
    "hmac_signed_parts",
    "connect_timeout_ms",
    "read_timeout_ms",
    "read_attempts",
    "max_concurrent_requests",
    "max_response_kb",
    "lookup_kind",
    "one_item_per_order",
    "deduplication",
    "idempotency_header_name",
)
# Set through services, not the partner form, but part of the configuration.
EXPORTED_PARTNER_FIELDS = (*PARTNER_FIELDS, "secret_header_names")
OPERATION_FIELDS = (
    "operation",
    "method",
    "path_template",
    "headers",
    "body_format",
    "request_mapping",
    "response_mapping",
    "accepted_statuses",
)


def partner_config_export(partner: Partner) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "config_version": partner.config_version,
        "partner": {field: getattr(partner, field) for field in EXPORTED_PARTNER_FIELDS},
        "operations": [
            {field: getattr(config, field) for field in OPERATION_FIELDS}
            for config in partner.operations.order_by("operation")
        ],
    }


def _errors_of(label: str, error: ValidationError) -> list[str]:
    return [
        f"{label}: {message}" if field == NON_FIELD_ERRORS else f"{label} · {field}: {message}"
        for field, messages in error.message_dict.items()
        for message in messages
    ]


@transaction.atomic
def partner_config_import(*, data: Any, base_url: str | None = None) -> Partner:
    """Create or update (by slug) a partner and replace its operations. All or nothing.

    A new partner starts as a draft; an existing one keeps its status and credentials.
    `base_url` overrides the file's, e.g. for a sandbox on another port.
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValidationError(f'Not a partner configuration file: "format" must be "{FORMAT}".')
    fields = data.get("partner")
    operations = data.get("operations")
    if not isinstance(fields, dict) or not isinstance(operations, list):
        raise ValidationError('A configuration needs a "partner" object and an "operations" list.')
    unknown = sorted(set(fields) - set(EXPORTED_PARTNER_FIELDS))
    if unknown:
        raise ValidationError(f"partner: unknown fields {', '.join(unknown)}")
    values = {**fields, **({"base_url": base_url} if base_url else {})}
    partner = Partner.objects.filter(slug=values.get("slug")).first() or Partner()
    for name, value in values.items():
        setattr(partner, name, value)
    problems = []
    try:
        partner.full_clean(validate_unique=False)
    except ValidationError as error:
        problems += _errors_of("partner", error)
    if partner.adapter not in adapter_names():
        problems.append(
            f"partner · adapter: {partner.adapter!r} is not one of {', '.join(adapter_names())}"
        )
    configs = []
    for position, item in enumerate(operations):
        label = f"operations[{position}]"
        if not isinstance(item, dict) or set(item) - set(OPERATION_FIELDS):
            problems.append(f"{label}: must be an object with only {', '.join(OPERATION_FIELDS)}")
            continue
        config = OperationConfig(**item)
        try:
            config.full_clean(exclude=["partner"], validate_unique=False)
        except ValidationError as error:
            problems += _errors_of(f"{label} ({item.get('operation', '?')})", error)
            continue
        problems += operation_config_problems(config)
        configs.append(config)
    seen = [config.operation for config in configs]
    problems += [
        f"operations: {operation} appears more than once"
        for operation in sorted({name for name in seen if seen.count(name) > 1})
    ]
    if problems:
        raise ValidationError(problems)
    partner.save()
    partner.operations.all().delete()
    for config in configs:
        config.partner = partner
        config.save()
    if partner.status == Partner.Status.LIVE and (
        live_problems := partner_go_live_problems(partner)
    ):
        raise ValidationError(
            ["A live partner must keep what it needs to be live:", *live_problems]
        )
    partner_config_bump(partner=partner)
    return partner
