"""GET /healthz for load balancers and people on call.

Only an unreachable database makes it unhealthy (503): without the broker, checkout still
records orders and the outbox sends them later, so a broker outage is reported, not fatal.

`HealthzMiddleware` answers before any other middleware: the load balancer probes the container
by its address over plain HTTP, which host validation (ALLOWED_HOSTS) and the HTTPS redirect
would refuse. The probe stays cheap: one SQS client per process, and the broker's answer is
remembered for a few seconds.
"""

import logging
import threading
from datetime import timedelta
from time import monotonic

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from endless_aisle.queues import broker_reachable, physical_queue_name
from endless_aisle.selectors import worker_last_seen

logger = logging.getLogger(__name__)

HEALTHZ_PATH = "/healthz"
BROKER_CHECK_SECONDS = 5.0
# (endpoint, queue) → (when checked, reachable); per endpoint, as settings may differ in tests.
_broker_checks: dict[tuple[str, str], tuple[float, bool]] = {}
_broker_checks_lock = threading.Lock()


def _database_up() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        logger.error("Database health probe failed: %s", type(error).__name__)
        return False
    return True


def _broker_up() -> bool:
    """The broker probe's result, at most BROKER_CHECK_SECONDS old."""
    key = (settings.SQS_ENDPOINT_URL, physical_queue_name(settings.SQS_QUEUES.create_order))
    with _broker_checks_lock:
        checked = _broker_checks.get(key)
    if checked is not None and monotonic() - checked[0] < BROKER_CHECK_SECONDS:
        return checked[1]
    reachable = broker_reachable()
    with _broker_checks_lock:
        _broker_checks[key] = (monotonic(), reachable)
    return reachable


def _worker_status() -> dict:
    last_seen = worker_last_seen()
    if last_seen is None:
        return {"status": "unknown", "last_seen": None}
    stale_after = timedelta(seconds=3 * settings.WORKER_HEARTBEAT_SECONDS)
    status = "ok" if timezone.now() - last_seen <= stale_after else "stale"
    return {"status": status, "last_seen": last_seen.isoformat()}


@never_cache
@require_GET
def healthz(request):
    database_up = _database_up()
    broker_up = _broker_up()
    body = {
        "status": "ok" if database_up and broker_up else ("degraded" if database_up else "down"),
        "database": "ok" if database_up else "down",
        "broker": "ok" if broker_up else "down",
        "worker": _worker_status() if database_up else {"status": "unknown", "last_seen": None},
    }
    return JsonResponse(body, status=200 if database_up else 503)


class HealthzMiddleware:
    """First in MIDDLEWARE: serves /healthz without reading the Host header."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == HEALTHZ_PATH:
            return healthz(request)
        return self.get_response(request)
