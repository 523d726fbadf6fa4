"""Small helpers shared by the partner HTTP client tests."""

from __future__ import annotations

import logging

import pytest

from partners.models import PartnerCall
from partners.sandbox.partner_server import PartnerSandbox

# A valid GTIN-13 (the GS1 textbook example) that no sandbox partner carries.
UNKNOWN_GTIN = "4006381333931"


def carried_gtin(partner: PartnerSandbox) -> str:
    return partner.catalog.offers[0].variants[0].variant.gtin


def calls_recorded() -> list[tuple[str, int | None, str, int]]:
    """(operation, status code, outcome, attempt) of every PartnerCall row, oldest first."""
    return list(
        PartnerCall.objects.order_by("pk").values_list(
            "operation", "status_code", "outcome", "attempt"
        )
    )


def assert_no_secrets(caplog: pytest.LogCaptureFixture, *secrets: str) -> None:
    """No secret in any log record (message or arguments) or PartnerCall column."""
    assert caplog.records, "the test should have logged its calls"
    logged = [record.getMessage() for record in caplog.records]
    logged += [repr(record.__dict__) for record in caplog.records]
    stored = [repr(row) for row in PartnerCall.objects.values()]
    for secret in secrets:
        assert all(secret not in text for text in logged), f"{secret!r} was logged"
        assert all(secret not in text for text in stored), f"{secret!r} was stored"


def capture_all_logs(caplog: pytest.LogCaptureFixture) -> None:
    """Capture every logger at DEBUG, urllib3's too (the settings quiet it to WARNING), to
    catch a leak from any of them. Call it after creating partners: factory_boy logs the
    values it is given, credentials included."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="urllib3")
