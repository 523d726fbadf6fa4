"""The demo points the partners that push their statuses at its own webhook (the others are
polled), over HTTPS trusting the demo's authority when the demo serves HTTPS."""

from pathlib import Path

import pytest

from endless_aisle.demo_https import DemoTls
from endless_aisle.management.commands.run_demo import Command


@pytest.fixture
def webhooks_cleared(sandbox):
    yield sandbox
    for partner in sandbox:
        partner.webhook_set(None)


def targets(sandbox) -> dict[str, tuple[str, str | None] | None]:
    return {
        partner.name.value: (target.url, target.cafile)
        if (target := partner._webhooks.target)
        else None
        for partner in sandbox
    }


def test_pushing_partners_push_to_the_demo_s_webhook(webhooks_cleared):
    Command()._webhooks_to_demo(webhooks_cleared, 8000, None)

    assert targets(webhooks_cleared) == {
        "threadline": ("http://127.0.0.1:8000/partners/threadline/webhook/", None),
        "stridewell": None,  # polled
        "hearth": ("http://127.0.0.1:8000/partners/hearth/webhook/", None),
        "baywater": ("http://127.0.0.1:8000/partners/baywater/webhook/", None),
    }


def test_over_https_they_trust_the_demo_s_authority(webhooks_cleared):
    tls = DemoTls(Path("/var/demo-tls/ca.pem"), Path("cert.pem"), Path("key.pem"))

    Command()._webhooks_to_demo(webhooks_cleared, 8443, tls)

    assert targets(webhooks_cleared)["hearth"] == (
        "https://127.0.0.1:8443/partners/hearth/webhook/",
        "/var/demo-tls/ca.pem",
    )
