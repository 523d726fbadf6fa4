"""The order pipeline's fixtures, for every test under tests/orders (defined in
pipeline_fixtures.py and worker_fixtures.py)."""

from tests.orders.pipeline_fixtures import associate, cart_of, checkout, priced  # noqa: F401
from tests.orders.worker_fixtures import pipeline_worker  # noqa: F401
