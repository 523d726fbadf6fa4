"""Onboard the sandbox partners from their configuration files, as a merchandiser would:
import, set credentials (and the webhook secret of those that push status), test, go live.
Used by `seed_demo` and by tests; never by product code."""

import json
from collections.abc import Mapping
from pathlib import Path

from partners.models import Partner
from partners.sandbox.baywater import BaywaterSandbox
from partners.sandbox.catalog import PartnerName
from partners.sandbox.hearth import HearthSandbox
from partners.sandbox.stridewell import StridewellSandbox
from partners.sandbox.threadline import ThreadlineSandbox
from partners.sandbox.webhooks import DEFAULT_WEBHOOK_SECRET
from partners.services import (
    partner_config_import,
    partner_credentials_set,
    partner_status_change,
)
from partners.webhook_secrets import partner_webhook_secret_set

CONFIG_DIR = Path(__file__).resolve().parent / "configs"

SANDBOX_CREDENTIALS = {
    PartnerName.THREADLINE: {"api_key": ThreadlineSandbox.api_key},
    PartnerName.STRIDEWELL: {
        "client_id": StridewellSandbox.client_id,
        "client_secret": StridewellSandbox.client_secret,
    },
    PartnerName.HEARTH: {"username": HearthSandbox.username, "password": HearthSandbox.password},
    PartnerName.BAYWATER: {"key_id": BaywaterSandbox.key_id, "secret": BaywaterSandbox.secret},
}


def sandbox_config(name: PartnerName) -> dict:
    return json.loads((CONFIG_DIR / f"{name.value}.json").read_text(encoding="utf-8"))


def sandbox_partners_onboard(base_urls: Mapping[PartnerName, str]) -> list[Partner]:
    """Import each sandbox partner's file with its running base URL, store its credentials and
    take it live (through the same status gate as the admin). Safe to run again."""
    onboarded = []
    for name, base_url in base_urls.items():
        partner = partner_config_import(data=sandbox_config(name), base_url=base_url)
        partner_credentials_set(partner=partner, values=SANDBOX_CREDENTIALS[name])
        if partner.status_delivery == Partner.StatusDelivery.WEBHOOK:
            # What the sandbox signs its pushes with unless a test sets another.
            partner_webhook_secret_set(partner=partner, secret=DEFAULT_WEBHOOK_SECRET)
        if partner.status == Partner.Status.DRAFT:
            partner = partner_status_change(partner=partner, status=Partner.Status.TESTING)
        if partner.status != Partner.Status.LIVE:
            partner = partner_status_change(partner=partner, status=Partner.Status.LIVE)
        onboarded.append(partner)
    return onboarded
