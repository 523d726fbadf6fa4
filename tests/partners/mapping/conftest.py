import pytest

from partners.mapping.evaluator_pool import (
    PoolSettings,
    evaluator_pool,
    evaluator_pool_configure,
)


@pytest.fixture
def evaluators():
    """Give this test a pool of its own (`evaluators(processes=1, …)`); the usual pool after."""
    usual = evaluator_pool().settings

    def configure(**changes) -> None:
        evaluator_pool_configure(PoolSettings(**{**vars(usual), **changes}))

    yield configure
    evaluator_pool_configure(usual)
