"""`partner_facts_problems`: what the go-live gate must refuse until the facts are set."""

from decimal import Decimal

import pytest
from cryptography.fernet import Fernet

from partners.crypto import credentials_encrypt
from partners.facts import partner_facts_problems
from partners.models import OperationConfig, Partner, PartnerCredentials
from partners.webhook_secrets import partner_webhook_secret_set
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db

SECRET = "a-webhook-secret-of-some-length"


def complete(**changes) -> Partner:
    """A partner with every fact set, status by webhook, no secret stored yet."""
    facts = {
        "ships_to": ["GB"],
        "shipping_rule": Partner.ShippingRule.FREE,
        "status_delivery": Partner.StatusDelivery.WEBHOOK,
        **changes,
    }
    return PartnerFactory(status=Partner.Status.TESTING, **facts)


def test_each_onboarded_sandbox_partner_has_every_fact(onboarded):
    assert {slug: partner_facts_problems(partner) for slug, partner in onboarded.items()} == {
        "threadline": [],
        "stridewell": [],
        "hearth": [],
        "baywater": [],
    }


def test_a_partner_without_facts_is_told_each_one_missing():
    partner = PartnerFactory(status=Partner.Status.TESTING)

    assert partner_facts_problems(partner) == [
        "Countries shipped to: none chosen",
        "Shipping charge: no rule chosen",
        "Order status: choose webhook or polling",
    ]


def test_a_webhook_needs_a_stored_secret():
    partner = complete()
    assert partner_facts_problems(partner) == ["Webhook secret: not stored; enter or generate one"]

    partner_webhook_secret_set(partner=partner, secret=SECRET)

    assert partner_facts_problems(partner) == []


def test_a_webhook_secret_the_keys_cannot_read_is_a_problem(settings):
    partner = complete()
    partner_webhook_secret_set(partner=partner, secret=SECRET)
    settings.PARTNER_CREDENTIAL_KEYS = [Fernet.generate_key().decode()]  # the old key is lost

    assert partner_facts_problems(partner) == [
        "Webhook secret: unreadable with the current keys; enter or generate it again"
    ]


def test_other_credentials_without_a_webhook_secret_do_not_count():
    partner = complete()
    PartnerCredentials.objects.create(
        partner=partner, encrypted=credentials_encrypt({"api_key": "k"})
    )

    assert partner_facts_problems(partner) == ["Webhook secret: not stored; enter or generate one"]


def test_polling_needs_the_order_status_operation():
    partner = complete(status_delivery=Partner.StatusDelivery.POLLING)
    assert partner_facts_problems(partner) == [
        "Order status by polling: the Order status operation is not configured"
    ]

    OperationConfig.objects.create(
        partner=partner,
        operation="order_status",
        path_template="/orders/{partner_order_id}",
        response_mapping="{}",
    )

    assert partner_facts_problems(partner) == []


def test_facts_saved_around_the_model_checks_are_still_caught():
    partner = complete(status_delivery=Partner.StatusDelivery.POLLING)
    OperationConfig.objects.create(
        partner=partner, operation="order_status", path_template="/o", response_mapping="{}"
    )
    # An update() skips clean(), as a bulk script or a bad migration would.
    Partner.objects.filter(pk=partner.pk).update(
        shipping_rule=Partner.ShippingRule.PER_ORDER, shipping_free_above=Decimal("0.00")
    )
    partner.refresh_from_db()

    assert partner_facts_problems(partner) == [
        "Shipping amount: Give the charge, e.g. 4.95.",
        "Free shipping from: Must be more than 0; leave it empty when every order pays the charge.",
        "Shipping currency: Give the currency of the amounts, e.g. GBP.",
    ]
