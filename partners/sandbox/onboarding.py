"""Onboard the sandbox partners from their configuration files, as a merchandiser would:
import, set credentials (and the webhook secret of those that push status), test (Test connection
of every read, a test order of two lines, cancelled again), go live. Used by `seed_demo` and by
tests; never by product code."""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from partners.connection_test import partner_connection_test
from partners.live_versions import partner_versions
from partners.mapping import Address, Contact
from partners.models import Partner
from partners.operations import Operation
from partners.pending_versions import partner_pending_promote
from partners.sandbox.baywater import BaywaterSandbox
from partners.sandbox.catalog import PartnerCatalog, PartnerName, catalog_default
from partners.sandbox.hearth import HearthSandbox
from partners.sandbox.stridewell import StridewellSandbox
from partners.sandbox.threadline import ThreadlineSandbox
from partners.sandbox.webhooks import DEFAULT_WEBHOOK_SECRET
from partners.services import (
    partner_config_import,
    partner_credentials_set,
    partner_status_change,
)
from partners.test_orders import (
    TEST_ADDRESS,
    partner_test_order_cancel,
    partner_test_order_send,
    test_order_item_choices,
    test_order_line,
    test_order_new,
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


def sandbox_partner_import(
    name: PartnerName, base_url: str, data: dict[str, Any] | None = None
) -> Partner:
    """Import the partner's file (or `data`) with its running base URL, and store its
    credentials and, for a partner that pushes status, the webhook secret the sandbox signs
    with unless a test sets another."""
    partner = partner_config_import(data=data or sandbox_config(name), base_url=base_url)
    partner_credentials_set(partner=partner, values=SANDBOX_CREDENTIALS[name])
    if partner.status_delivery == Partner.StatusDelivery.WEBHOOK:
        partner_webhook_secret_set(partner=partner, secret=DEFAULT_WEBHOOK_SECRET)
    return partner


def sandbox_partners_onboard(base_urls: Mapping[PartnerName, str]) -> list[Partner]:
    """Import each sandbox partner's file with its running base URL, store its credentials,
    prove it over HTTP and take it live (through the same status gate as the admin). Safe to run
    again: for a partner already live, the new configuration is a pending version, proved and
    promoted through the same gate while the live one keeps serving."""
    onboarded = []
    for name, base_url in base_urls.items():
        partner = sandbox_partner_import(name, base_url)
        if partner.status == Partner.Status.DRAFT:
            partner = partner_status_change(partner=partner, status=Partner.Status.TESTING)
        sandbox_partner_prove(partner, name)
        if partner.status != Partner.Status.LIVE:
            partner = partner_status_change(partner=partner, status=Partner.Status.LIVE)
        elif (versions := partner_versions(partner=partner)) and versions.pending:
            partner_pending_promote(partner=partner, user=None)
        onboarded.append(partner)
    return onboarded


def sandbox_partner_prove(partner: Partner, name: PartnerName) -> None:
    """What a merchandiser does before going live, at the partner's current version: Test
    connection of each read it offers on items of its own catalogue, then a test order of two
    of the items its lookups answered (cancelled again). Calls the partner: no transaction."""
    partner = Partner.objects.prefetch_related("operations").get(pk=partner.pk)
    offered = {config.operation for config in partner.operations.all()}
    offers = PartnerCatalog(catalog_default(), name).offers
    stocked = [item for offer in offers for item in offer.variants if item.stock >= 2]
    for item in stocked[:2]:  # two items: an availability answer offers one item each
        partner_connection_test(
            partner=partner, operation=Operation.LOOKUP, value=item.variant.gtin
        )
    if Operation.SEARCH in offered:
        word = offers[0].product.name.split()[-1]
        partner_connection_test(partner=partner, operation=Operation.SEARCH, value=word)
    if Operation.SIMILAR in offered:
        number = next(offer.product_number for offer in offers if offer.similar)
        partner_connection_test(partner=partner, operation=Operation.SIMILAR, value=number)
    items = [
        item
        for item in test_order_item_choices(partner).values()
        if item["available_quantity"] is None or item["available_quantity"] >= 1
    ][:2]
    if not items:
        raise RuntimeError(
            f"{partner}: no Test connection of lookup passed, so there is nothing to test-order. "
            "Is the sandbox partner running at its base URL?"
        )
    address = {key: value for key, value in TEST_ADDRESS.items() if key != "email"}
    order = test_order_new(
        partner,
        [test_order_line(item, 1) for item in items],
        Address(**address),
        Contact(name=TEST_ADDRESS["name"], email=TEST_ADDRESS["email"]),
    )
    proof, _ = partner_test_order_send(partner=partner, order=order, by=None)
    # Only the orders the partner accepted have an id to ask about or cancel.
    ordered = [
        sent["partner_order_id"] for sent in proof.detail["orders"] if sent["partner_order_id"]
    ]
    if Operation.ORDER_STATUS in offered and ordered:
        partner_connection_test(partner=partner, operation=Operation.ORDER_STATUS, value=ordered[0])
    if Operation.CANCEL_ORDER in offered:
        for partner_order_id in ordered:
            partner_test_order_cancel(proof=proof, partner_order_id=partner_order_id, by=None)
