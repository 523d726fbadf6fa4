"""GET /healthz for load balancers and people on call.

Only an unreachable database makes it unhealthy (503): without the broker, checkout still
records orders and the outbox sends them later, so a broker outage is reported, not fatal.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from endless_aisle.queues import broker_reachable
from endless_aisle.selectors import worker_last_seen

logger = logging.getLogger(__name__)


def _database_up() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        logger.error("Database health probe failed: %s", type(error).__name__)
        return False
    return True


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
    broker_up = broker_reachable()
    body = {
        "status": "ok" if database_up and broker_up else ("degraded" if database_up else "down"),
        "database": "ok" if database_up else "down",
        "broker": "ok" if broker_up else "down",
        "worker": _worker_status() if database_up else {"status": "unknown", "last_seen": None},
    }
    return JsonResponse(body, status=200 if database_up else 503)
