import pytest

from partners.http import client as http_client_module
from partners.http.client import PartnerHttpClient
from partners.sandbox.servers import SandboxPartners


@pytest.fixture(autouse=True)
def fresh_sandbox(sandbox: SandboxPartners) -> SandboxPartners:
    """Every partners test starts with no orders, faults or latency at the sandbox."""
    sandbox.reset()
    return sandbox


@pytest.fixture(autouse=True)
def backoff_waits(monkeypatch) -> list[float]:
    """A new process-wide partner client per test, backoff waits recorded instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr(http_client_module, "_shared_client", PartnerHttpClient(sleep=waits.append))
    return waits
