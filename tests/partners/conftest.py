import pytest

from partners.sandbox.servers import SandboxPartners


@pytest.fixture(autouse=True)
def fresh_sandbox(sandbox: SandboxPartners) -> SandboxPartners:
    """Every partners test starts with no orders, faults or latency at the sandbox."""
    sandbox.reset()
    return sandbox
