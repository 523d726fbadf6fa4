"""A separate OS process for the tests that show partner limits hold across processes.

    python -m tests.partners.http.limits_caller call PARTNER_ID PATH CALLS
        CALLS threads each send one GET to PATH through the process-wide partner client; each
        call that has to wait for a slot prints "waiting"; at the end one line of JSON lists
        what each call got (a status, or the error message).
    python -m tests.partners.http.limits_caller hold PARTNER_ID SLOTS
        takes SLOTS permits from the limits backend, prints "holding SECONDS" (the wall clock
        before the first was taken) and holds them until killed.

The database, the backend and the allow-list come from the environment, as in production.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "endless_aisle.settings.test")
django.setup()

from django.db import connections  # noqa: E402 - needs django.setup()

from partners.http import PartnerCallError, connection_for, partner_http_client  # noqa: E402
from partners.http.limits import partner_limits_build  # noqa: E402
from partners.models import Partner  # noqa: E402

HOLD_DEADLINE_SECONDS = 30


class _WaitReporter(logging.Handler):
    """The limits log each wait for a slot at DEBUG; this prints it for the test to read."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().endswith("waiting"):
            _print("waiting")


_print_lock = threading.Lock()


def _print(line: str) -> None:
    with _print_lock:
        print(line, flush=True)


def call(partner_id: int, path: str, calls: int) -> None:
    limits_logger = logging.getLogger("partners.http.limits")
    limits_logger.setLevel(logging.DEBUG)
    limits_logger.addHandler(_WaitReporter())
    connection = connection_for(Partner.objects.get(pk=partner_id))
    client = partner_http_client()
    results: list[object] = []

    def one() -> None:
        try:
            response = client.send(
                connection, operation="lookup", method="GET", path=path, idempotent=False
            )
            results.append(response.status)
        except PartnerCallError as error:
            results.append(error.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one) for _ in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _print(json.dumps({"results": results}))


def hold(partner_id: int, slots: int) -> None:
    connection = connection_for(Partner.objects.get(pk=partner_id))
    limits = partner_limits_build()
    started = time.time()
    permits = [
        limits.admit(connection, deadline=time.monotonic() + HOLD_DEADLINE_SECONDS)
        for _ in range(slots)
    ]
    _print(f"holding {started!r} {len(permits)}")
    threading.Event().wait()  # until killed: the permits are never given back


if __name__ == "__main__":
    command, partner_id, *rest = sys.argv[1:]
    if command == "call":
        call(int(partner_id), rest[0], int(rest[1]))
    else:
        hold(int(partner_id), int(rest[0]))
