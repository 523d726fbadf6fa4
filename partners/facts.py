"""Partner facts the order pipeline needs: where the partner ships, the shipping charge the
store applies to its orders, and how the partner's order statuses reach us.

The choices and bounds live here; the fields are on `Partner` (partners/models.py), which calls
`partner_facts_errors` from its `clean`. `partner_facts_problems` is the go-live gate's part.

Shipping amounts are in `shipping_currency`, set with the rule. The charge is what the store
adds to a customer's order (a selling-side amount, like the selling price), not what the partner
charges us, so the partner's cost currency does not apply; and an amount without a currency
would mean something different in each store's currency.
"""

from decimal import Decimal
from typing import Any

import pycountry
from django.db import models
from django.urls import reverse

from partners.header_rules import HEADER_NAME
from partners.operations import Operation

WEBHOOK_SECRET = "webhook_secret"  # noqa: S105 - the key name in the encrypted credentials

# The partner's facts: what it ships where, what the store charges, how status reaches us.
# None of them shapes a call we make, so they apply at once on a live partner.
# In the order the admin and the configuration file show them.
FACT_FIELDS = (
    "ships_to",
    "shipping_rule",
    "shipping_amount",
    "shipping_free_above",
    "shipping_currency",
    "status_delivery",
    "status_poll_interval_seconds",
    "webhook_signature_scheme",
    "webhook_signature_header",
    "webhook_timestamp_header",
    "webhook_replay_window_seconds",
)
SHIPPING_AMOUNT_MAX_DIGITS = 9
SHIPPING_AMOUNT_DECIMAL_PLACES = 2
POLL_INTERVAL_MIN_SECONDS = 60
POLL_INTERVAL_MAX_SECONDS = 86_400
REPLAY_WINDOW_MIN_SECONDS = 30
REPLAY_WINDOW_MAX_SECONDS = 3_600


class ShippingRule(models.TextChoices):
    FREE = "free", "Free: no charge"
    PER_ORDER = "per_order", "A flat charge per order"
    PER_ITEM = "per_item", "A charge per item"


CHARGED = frozenset({ShippingRule.PER_ORDER, ShippingRule.PER_ITEM})


class StatusDelivery(models.TextChoices):
    WEBHOOK = "webhook", "Webhook: the partner sends us each change"
    POLLING = "polling", "Polling: we ask the partner at an interval"


class WebhookSignatureScheme(models.TextChoices):
    BODY = "body", "HMAC-SHA256 of the body"
    TIMESTAMP_BODY = "timestamp_body", "HMAC-SHA256 of timestamp, full stop, body"


def currency_code_problem(code: str) -> str | None:
    if code != code.upper() or pycountry.currencies.get(alpha_3=code) is None:
        return f"{code!r} is not an ISO 4217 currency code (e.g. GBP, EUR)."
    return None


def partner_facts_errors(partner: Any) -> dict[str, str]:
    """What is inconsistent among the facts fields, by field name. Only what the fields' own
    checks cannot see (choices, bounds and number formats are theirs)."""
    errors = _shipping_errors(partner)
    if partner.status_delivery == StatusDelivery.WEBHOOK:
        errors.update(_webhook_header_errors(partner))
    return errors


def partner_facts_kept_errors(partner: Any) -> dict[str, str]:
    """What a live or paused partner may not lose: its facts apply at once (they shape no
    call, so no pending version waits for proof), and the order pipeline needs them. The
    webhook secret is set on its own page; the go-live gate reports it."""
    required = {
        "ships_to": "A live partner keeps the countries it ships to.",
        "shipping_rule": "A live partner keeps a shipping rule.",
        "status_delivery": "A live partner keeps how its order status reaches us.",
    }
    return {field: message for field, message in required.items() if not getattr(partner, field)}


def _shipping_errors(partner: Any) -> dict[str, str]:
    rule = partner.shipping_rule
    amount, free_above = partner.shipping_amount, partner.shipping_free_above
    currency = partner.shipping_currency
    if rule and rule not in ShippingRule.values:
        return {}  # the field's own check reports it; amounts cannot be judged without a rule
    errors = {}
    if rule in CHARGED:
        if amount is None:
            errors["shipping_amount"] = "Give the charge, e.g. 4.95."
        elif isinstance(amount, Decimal) and amount <= 0:
            errors["shipping_amount"] = "A charge must be more than 0; choose “Free” for no charge."
        if isinstance(free_above, Decimal) and free_above <= 0:
            errors["shipping_free_above"] = (
                "Must be more than 0; leave it empty when every order pays the charge."
            )
        if not currency:
            errors["shipping_currency"] = "Give the currency of the amounts, e.g. GBP."
        elif problem := currency_code_problem(currency):
            errors["shipping_currency"] = problem
        return errors
    for field, value in (
        ("shipping_amount", amount),
        ("shipping_free_above", free_above),
        ("shipping_currency", currency),
    ):
        if value not in (None, ""):
            errors[field] = (
                "Leave it empty: free shipping has no amounts."
                if rule == ShippingRule.FREE
                else "Choose a shipping rule first, or leave it empty."
            )
    return errors


def _webhook_header_errors(partner: Any) -> dict[str, str]:
    headers = ["webhook_signature_header"]
    if partner.webhook_signature_scheme == WebhookSignatureScheme.TIMESTAMP_BODY:
        headers.append("webhook_timestamp_header")
    errors = {}
    for field in headers:
        name = getattr(partner, field)
        if not name:
            errors[field] = "Name the header the partner sends it in."
        elif not HEADER_NAME.fullmatch(name):
            errors[field] = f"{name!r} is not a valid header name."
    if (
        len(headers) == 2
        and not errors
        and (partner.webhook_signature_header.lower() == partner.webhook_timestamp_header.lower())
    ):
        errors["webhook_timestamp_header"] = "Must differ from the signature header."
    return errors


def partner_facts_problems(partner: Any) -> list[str]:
    """What the order pipeline lacks to take this partner's orders; empty when it can.
    For the go-live gate, beside `partner_go_live_problems`."""
    problems = []
    if not partner.ships_to:
        problems.append("Countries shipped to: none chosen")
    if not partner.shipping_rule:
        problems.append("Shipping charge: no rule chosen")
    problems += [
        f"{partner._meta.get_field(field).verbose_name.capitalize()}: {message}"
        for field, message in partner_facts_errors(partner).items()
    ]
    if partner.status_delivery == StatusDelivery.WEBHOOK:
        # Both import the models, which import this module.
        from partners.go_live import GoLiveProblem
        from partners.webhook_secrets import partner_webhook_secret_state

        state = partner_webhook_secret_state(partner)
        missing = {
            "unset": "Webhook secret: not stored; enter or generate one",
            "unreadable": "Webhook secret: unreadable with the current keys; enter or generate "
            "it again",
        }
        if state in missing:
            link = reverse("admin:partners_partner_webhook_secret", args=[partner.pk])
            problems.append(GoLiveProblem(missing[state], link=link))
    elif partner.status_delivery == StatusDelivery.POLLING:
        if not _serves_order_status(partner):
            problems.append("Order status by polling: the Order status operation is not configured")
    else:
        problems.append("Order status: choose webhook or polling")
    return problems


def _serves_order_status(partner: Any) -> bool:
    """False for an adapter the code no longer has: partner_go_live_problems names it."""
    from partners.go_live import offered_operations  # which imports the models, which import us

    return Operation.ORDER_STATUS in offered_operations(partner)
