"""The partner admin's pages as a browser posts them, for tests that drive the admin."""

import json
from html import unescape

from django.contrib.messages import get_messages
from django.forms.models import model_to_dict
from django.urls import reverse

from partners.config_files import PARTNER_FIELDS
from partners.models import OperationConfig, Partner


def url(name: str, *args) -> str:
    return reverse(f"admin:partners_partner_{name}", args=args)


def page_text(response) -> str:
    """The page's HTML with entities unescaped, as the browser shows its text."""
    return unescape(response.content.decode())


def messages_of(response) -> list[str]:
    """The messages the response's request queued (and so consumed)."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def operation_config_form(config: OperationConfig, **changes) -> dict:
    return {
        "partner": str(config.partner_id),
        "operation": config.operation,
        "method": config.method,
        "path_template": config.path_template,
        "headers": json.dumps(config.headers),
        "body_format": config.body_format,
        "accepted_statuses": json.dumps(config.accepted_statuses),
        "request_mapping": config.request_mapping,
        "response_mapping": config.response_mapping,
        "_save": "Save",
        **changes,
    }


def change_page_form(partner: Partner, *, delete=(), **mapping_changes) -> dict:
    """The partner's change page as the browser posts it, with every operation in the inline;
    `delete` names operations ticked for deletion, `mapping_changes` maps operation → response
    mapping."""
    data = {
        name: json.dumps(value) if name == "categories" else ("" if value is None else value)
        for name, value in model_to_dict(partner, fields=PARTNER_FIELDS).items()
    }
    data["initial-categories"] = json.dumps(partner.categories)
    configs = list(partner.operations.order_by("pk"))
    data |= {
        "operations-TOTAL_FORMS": str(len(configs)),
        "operations-INITIAL_FORMS": str(len(configs)),
        "operations-MIN_NUM_FORMS": "0",
        "operations-MAX_NUM_FORMS": "1000",
        "_continue": "Save and continue editing",
    }
    for index, config in enumerate(configs):
        prefix = f"operations-{index}-"
        data |= {
            prefix + "id": str(config.pk),
            prefix + "partner": str(partner.pk),
            **{
                prefix + key: value
                for key, value in operation_config_form(config).items()
                if key not in {"partner", "_save"}
            },
        }
        # Fields with a callable default carry their initial value in a hidden input, as the
        # page renders it: without it the form takes them for changed.
        data |= {
            f"initial-{prefix}headers": json.dumps(config.headers),
            f"initial-{prefix}accepted_statuses": json.dumps(config.accepted_statuses),
        }
        if config.operation in mapping_changes:
            data[prefix + "response_mapping"] = mapping_changes[config.operation]
        if config.operation in delete:
            data[prefix + "DELETE"] = "on"
    return data
