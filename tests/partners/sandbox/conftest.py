"""One set of sandbox partners for the whole run, reset before every test."""

import pytest

from partners.sandbox.servers import SandboxPartners, sandbox_partners_start
from tests.partners.sandbox.client import PartnerClient, basic_auth, stridewell_token


@pytest.fixture(scope="session")
def sandbox():
    partners = sandbox_partners_start()
    yield partners
    partners.stop()


@pytest.fixture(autouse=True)
def fresh_sandbox(sandbox: SandboxPartners) -> SandboxPartners:
    sandbox.reset()
    return sandbox


@pytest.fixture
def threadline(sandbox):
    return sandbox.threadline


@pytest.fixture
def stridewell(sandbox):
    return sandbox.stridewell


@pytest.fixture
def hearth(sandbox):
    return sandbox.hearth


@pytest.fixture
def threadline_client(threadline) -> PartnerClient:
    return PartnerClient(threadline.base_url, {"X-Api-Key": threadline.api_key})


@pytest.fixture
def stridewell_client(stridewell) -> PartnerClient:
    return PartnerClient(
        stridewell.base_url, {"Authorization": f"Bearer {stridewell_token(stridewell)}"}
    )


@pytest.fixture
def hearth_client(hearth) -> PartnerClient:
    return PartnerClient(hearth.base_url, basic_auth(hearth.username, hearth.password))
