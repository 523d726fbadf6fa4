"""The partner's History page: one entry per save, newest first, with who saved, the
configuration version the save left the partner at, and what changed: the partner's fields
(old → new), each operation added, removed or changed (mappings as full unified diffs), and
"credentials changed" without any value.

A save is a group of historical rows sharing `history_save` (see `partners.history_saves`);
rows written before saves were recorded each stand alone.
"""

import difflib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models

from partners.models import OperationConfig, Partner, PartnerCredentials
from partners.operations import Operation

NOT_SHOWN = {"id", "config_version", "created_at", "updated_at"}
MAPPING_FIELDS = ("request_mapping", "response_mapping")
PARTNER_FIELDS_SHOWN = [field for field in Partner._meta.fields if field.name not in NOT_SHOWN]
OPERATION_FIELDS_SHOWN = [
    field for field in OperationConfig._meta.fields if field.name not in {"id", "partner"}
]


@dataclass
class HistoryChange:
    subject: str
    summary: str
    diff: str = ""


@dataclass
class HistoryEntry:
    at: datetime
    who: str
    version: int | None
    changes: list[HistoryChange] = field(default_factory=list)


def _shown(model_field: models.Field, value: Any) -> str:
    if value in (None, "", [], {}):
        return "(blank)"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _unified_diff(before: str, after: str, name: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(),
        after.splitlines(),
        fromfile=f"{name} before",
        tofile=f"{name} after",
        lineterm="",
    )
    return "\n".join(lines)


def _field_changes(subject: str, fields, before, after) -> list[HistoryChange]:
    changes = []
    for model_field in fields:
        old = getattr(before, model_field.attname)
        new = getattr(after, model_field.attname)
        if old == new:
            continue
        label = str(model_field.verbose_name).capitalize()
        if model_field.name in MAPPING_FIELDS:
            changes.append(
                HistoryChange(
                    subject,
                    f"{label} changed",
                    _unified_diff(old or "", new or "", model_field.name),
                )
            )
        else:
            changes.append(
                HistoryChange(
                    subject,
                    f"{label}: {_shown(model_field, old)} → {_shown(model_field, new)}",
                )
            )
    return changes


def _operation_name(row) -> str:
    try:
        return Operation(row.operation).label
    except ValueError:
        return row.operation


def _object_changes(previous: dict, group_rows: list, kind: str) -> list[HistoryChange]:
    """What the group's rows changed on each object, against the object's row before them
    (`previous`: each row's history_id → the object's row before it, or None)."""
    changes: list[HistoryChange] = []
    touched: dict[int, list] = {}
    for row in group_rows:
        touched.setdefault(row.id, []).append(row)
    for rows in touched.values():
        first, last = rows[0], rows[-1]
        before = previous[first.history_id]
        if kind == "credentials":
            if last.history_type != "-":
                changes.append(HistoryChange("Credentials", "Credentials changed (not shown)"))
            continue
        if kind == "partner":
            if before is None:
                changes.append(HistoryChange("Partner", "Partner created"))
            elif last.history_type == "-":
                changes.append(HistoryChange("Partner", "Partner deleted"))
            else:
                changes += _field_changes("Partner", PARTNER_FIELDS_SHOWN, before, last)
            continue
        name = _operation_name(last)
        if last.history_type == "-":
            changes.append(HistoryChange(name, "Operation removed"))
        elif before is None or before.history_type == "-":
            changes.append(
                HistoryChange(name, f"Operation added: {last.method} {last.path_template}")
            )
            for mapping in MAPPING_FIELDS:
                if getattr(last, mapping):
                    changes.append(
                        HistoryChange(
                            name,
                            f"{mapping.replace('_', ' ').capitalize()} added",
                            _unified_diff("", getattr(last, mapping), mapping),
                        )
                    )
        else:
            changes += _field_changes(name, OPERATION_FIELDS_SHOWN, before, last)
    return changes


def partner_history_entries(*, partner: Partner) -> list[HistoryEntry]:
    """The partner's saves, newest first; three queries whatever the length."""
    sources = {
        "partner": Partner.history.filter(id=partner.pk),
        "operation": OperationConfig.history.filter(partner_id=partner.pk),
        "credentials": PartnerCredentials.history.filter(partner_id=partner.pk),
    }
    previous_by_kind: dict[str, dict[int, Any]] = {}
    groups: dict[str, list[tuple[str, Any]]] = {}
    for kind, queryset in sources.items():
        latest: dict[int, Any] = {}  # object id → its newest row so far
        previous: dict[int, Any] = {}
        for row in queryset.select_related("history_user").order_by("history_date", "history_id"):
            previous[row.history_id] = latest.get(row.id)
            latest[row.id] = row
            key = row.history_save or f"{kind}-{row.history_id}"
            groups.setdefault(key, []).append((kind, row))
        previous_by_kind[kind] = previous
    ordered = sorted(
        groups.values(),
        key=lambda rows: min((row.history_date, row.history_id) for _, row in rows),
    )
    entries = []
    version = None
    for group in ordered:
        entry_changes: list[HistoryChange] = []
        for kind in sources:
            rows = [row for row_kind, row in group if row_kind == kind]
            if rows:
                entry_changes += _object_changes(previous_by_kind[kind], rows, kind)
        partner_rows = [row for kind, row in group if kind == "partner"]
        if partner_rows:
            version = partner_rows[-1].config_version
        users = [row.history_user for _, row in group if row.history_user is not None]
        entries.append(
            HistoryEntry(
                at=max(row.history_date for _, row in group),
                who=users[0].get_username() if users else "system",
                version=version,
                changes=entry_changes
                or [HistoryChange("Partner", "Saved with no change to the configuration")],
            )
        )
    return entries[::-1]
