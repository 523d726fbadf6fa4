"""A partner's whole configuration as JSON, without credentials: for review, backup and copying
a partner between environments (`export_partner` / `import_partner`, and the admin).

This module is the file format: export, reading within size and depth bounds, and checking every
value, each problem naming its field. Writing an import to the database is
`partners.services.partner_config_import`.

Secret headers travel as names only (`secret_header_names`); after an import,
`partner_secret_headers_unset` lists those whose values must be entered again. The webhook
secret never travels: a partner whose status comes by webhook needs it entered or generated
after an import (`partners.facts.partner_facts_problems` says so).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from partners.adapters.registry import adapter_names
from partners.bounded_json import JsonTooDeep, json_loads_bounded
from partners.facts import FACT_FIELDS
from partners.models import OperationConfig, Partner
from partners.validation import operation_config_problems

FORMAT = "endless-aisle-partner/1"
# A sandbox partner's file is about 6 KB; the cap leaves room for long mappings and keeps a
# mistaken or hostile upload from being read into memory whole.
MAX_CONFIG_KB = 1024
MAX_CONFIG_BYTES = MAX_CONFIG_KB * 1024
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
    "max_concurrent_requests",
    "max_response_kb",
    "read_attempts",
    "lookup_kind",
    "one_item_per_order",
    "deduplication",
    "idempotency_header_name",
    *FACT_FIELDS,  # what the order pipeline needs
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


class ConfigFileUnreadable(ValueError):
    """The bytes are not a configuration we read: too large, not JSON, or nested too deeply."""


def partner_config_export(partner: Partner) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "config_version": partner.config_version,
        "partner": {field: _exported(partner, field) for field in EXPORTED_PARTNER_FIELDS},
        "operations": [
            {field: getattr(config, field) for field in OPERATION_FIELDS}
            for config in partner.operations.order_by("operation")
        ],
    }


def lf_line_endings(text: str) -> str:
    """Browsers post textareas with CRLF: store LF, so history diffs and exports show only
    what was really changed."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _lf(value: Any) -> Any:
    """The value with every line ending as LF, at every level."""
    if isinstance(value, str):
        return lf_line_endings(value)
    if isinstance(value, list):
        return [_lf(item) for item in value]
    if isinstance(value, dict):
        return {_lf(key): _lf(item) for key, item in value.items()}
    return value


def partner_config_text(partner: Partner) -> str:
    """The export as a file's text: keys sorted at every level, LF line endings inside values
    and between lines, and a final newline, so two exports of one configuration are the same
    bytes and two versions diff line by line."""
    exported = _lf(partner_config_export(partner))
    return json.dumps(exported, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _exported(partner: Partner, field: str) -> Any:
    """The field's value as JSON: countries as codes, amounts as text (exact, unlike numbers)."""
    value = getattr(partner, field)
    if field in COUNTRY_FIELDS:
        return [country.code for country in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


def partner_config_read(source: IO[bytes]) -> Any:
    """Parse a configuration from an open file or upload, reading at most one byte more than
    the cap: a file over it is refused without being read whole."""
    return partner_config_parse(source.read(MAX_CONFIG_BYTES + 1))


def partner_config_parse(raw: bytes | str) -> Any:
    size = len(raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw)
    if size > MAX_CONFIG_BYTES:
        raise ConfigFileUnreadable(
            f"The configuration is larger than {MAX_CONFIG_KB:,} KB, the most a partner "
            "configuration may be."
        )
    try:
        return json_loads_bounded(raw)
    except JsonTooDeep as error:
        raise ConfigFileUnreadable(
            f"The configuration is nested deeper than {error.max_depth} levels."
        ) from error
    except ValueError as error:  # not JSON, or not text (UnicodeDecodeError)
        raise ConfigFileUnreadable(f"Not valid JSON: {error}") from error


@dataclass(frozen=True)
class JsonType:
    description: str
    holds: Callable[[Any], bool]
    item: "JsonType | None" = None  # what each element of a list or object value must be


def _is_whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


TEXT = JsonType("text", lambda value: isinstance(value, str))
WHOLE_NUMBER = JsonType("a whole number", _is_whole_number)
TRUE_OR_FALSE = JsonType("true or false", lambda value: isinstance(value, bool))
LIST_OF_TEXTS = JsonType("a list of texts", lambda value: isinstance(value, list), TEXT)
LIST_OF_WHOLE_NUMBERS = JsonType(
    "a list of whole numbers", lambda value: isinstance(value, list), WHOLE_NUMBER
)
AMOUNT_OR_NULL = JsonType(
    'an amount as text (e.g. "4.95") or null',
    lambda value: value is None or (isinstance(value, str) and bool(value.strip())),
)
OBJECT_OF_TEXTS = JsonType("an object of texts", lambda value: isinstance(value, dict), TEXT)
# JSONField values, whose type the model does not say.
JSON_FIELD_TYPES = {
    "categories": LIST_OF_TEXTS,
    "secret_header_names": LIST_OF_TEXTS,
    "headers": OBJECT_OF_TEXTS,
    "accepted_statuses": LIST_OF_WHOLE_NUMBERS,
    "ships_to": LIST_OF_TEXTS,  # ISO 3166-1 alpha-2 codes, e.g. ["GB", "IE"]
}
COUNTRY_FIELDS = frozenset({"ships_to"})


def _json_type(model: type[models.Model], name: str) -> JsonType:
    if name in JSON_FIELD_TYPES:
        return JSON_FIELD_TYPES[name]
    field = model._meta.get_field(name)
    if isinstance(field, models.DecimalField):
        return AMOUNT_OR_NULL
    if isinstance(field, models.BooleanField):
        return TRUE_OR_FALSE
    if isinstance(field, models.IntegerField):
        return WHOLE_NUMBER
    if isinstance(field, models.CharField | models.TextField):
        return TEXT
    raise TypeError(f"{model.__name__}.{name}: no JSON type for {type(field).__name__}")


PARTNER_FIELD_TYPES = {name: _json_type(Partner, name) for name in EXPORTED_PARTNER_FIELDS}
OPERATION_FIELD_TYPES = {name: _json_type(OperationConfig, name) for name in OPERATION_FIELDS}


def _described(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "an object"


def _type_problems(label: str, values: dict[str, Any], types: dict[str, JsonType]) -> list[str]:
    """One problem per wrongly typed value: its field, what it must be and what it is."""
    problems = []
    for name, value in values.items():
        expected = types[name]
        if not expected.holds(value):
            problems.append(
                f"{label} · {name}: must be {expected.description}, not {_described(value)}"
            )
            continue
        if expected.item is None:
            continue
        items = value.items() if isinstance(value, dict) else enumerate(value)
        wrong = next(((key, item) for key, item in items if not expected.item.holds(item)), None)
        if wrong is not None:
            position = f'"{wrong[0]}"' if isinstance(value, dict) else f"item {wrong[0]}"
            problems.append(
                f"{label} · {name}: must be {expected.description}; "
                f"{position} is {_described(wrong[1])}"
            )
    return problems


@dataclass(frozen=True)
class PartnerConfigFile:
    """A file whose shape and value types are right; the values are not checked yet."""

    partner_values: dict[str, Any]
    operations: list[dict[str, Any]]

    @property
    def slug(self) -> Any:
        return self.partner_values.get("slug")


def partner_config_check(data: Any, *, base_url: str | None = None) -> PartnerConfigFile:
    """The file's format, shape and the JSON type of every value. `base_url` overrides the
    file's, e.g. for a sandbox on another port."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValidationError(f'Not a partner configuration file: "format" must be "{FORMAT}".')
    fields = data.get("partner")
    operations = data.get("operations")
    if not isinstance(fields, dict) or not isinstance(operations, list):
        raise ValidationError('A configuration needs a "partner" object and an "operations" list.')
    unknown = sorted(set(fields) - set(EXPORTED_PARTNER_FIELDS))
    if unknown:
        raise ValidationError(f"partner: unknown fields {', '.join(unknown)}")
    problems = _type_problems("partner", fields, PARTNER_FIELD_TYPES)
    for position, item in enumerate(operations):
        label = f"operations[{position}]"
        if not isinstance(item, dict) or set(item) - set(OPERATION_FIELDS):
            problems.append(f"{label}: must be an object with only {', '.join(OPERATION_FIELDS)}")
            continue
        operation = item.get("operation")
        label += f" ({operation if isinstance(operation, str) else '?'})"
        problems += _type_problems(label, item, OPERATION_FIELD_TYPES)
    if problems:
        raise ValidationError(problems)
    return PartnerConfigFile(
        partner_values={**fields, **({"base_url": base_url} if base_url else {})},
        operations=operations,
    )


def _errors_of(label: str, error: ValidationError) -> list[str]:
    return [
        f"{label}: {message}" if field == NON_FIELD_ERRORS else f"{label} · {field}: {message}"
        for field, messages in error.message_dict.items()
        for message in messages
    ]


def partner_config_apply(partner: Partner, config: PartnerConfigFile) -> list[OperationConfig]:
    """Set the file's values on `partner` and build its operations, neither saved; every
    problem at once, each naming its field."""
    for name, value in config.partner_values.items():
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
    for position, item in enumerate(config.operations):
        operation = OperationConfig(**item)
        try:
            operation.full_clean(exclude=["partner"], validate_unique=False)
        except ValidationError as error:
            problems += _errors_of(f"operations[{position}] ({item.get('operation', '?')})", error)
            continue
        problems += operation_config_problems(operation)
        configs.append(operation)
    seen = [operation.operation for operation in configs]
    problems += [
        f"operations: {operation} appears more than once"
        for operation in sorted({name for name in seen if seen.count(name) > 1})
    ]
    if problems:
        raise ValidationError(problems)
    return configs
