"""Raw HTTP clients for each sandbox partner (the partners themselves: tests/conftest.py)."""

from functools import partial

import pytest

from tests.partners.sandbox.client import (
    PartnerClient,
    basic_auth,
    baywater_signature,
    stridewell_token,
)


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
def baywater(sandbox):
    return sandbox.baywater


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


@pytest.fixture
def baywater_client(baywater) -> PartnerClient:
    return PartnerClient(
        baywater.base_url, sign=partial(baywater_signature, baywater.key_id, baywater.secret)
    )
