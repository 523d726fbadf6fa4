"""The requests a WSGI server in this test process is serving (the live server's, for browser
tests), counted from Django's request signals, and a wait for it to fall quiet.

A page may still be loading when its test ends (the product page fetches its similar items
once it has loaded, asking every partner): that request would still be writing its call-log
rows while the test's database is emptied, and PostgreSQL may end one of the two as a deadlock.
The test client's requests are not counted: they are served in the test's own thread, and end
before it goes on.
"""

import threading
import time

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started


def _served_by_a_server(sender) -> bool:
    return isinstance(sender, type) and issubclass(sender, WSGIHandler)


class ServedRequests:
    def __init__(self) -> None:
        self._running = 0
        self._changed_at = time.monotonic()
        self._changed = threading.Condition()

    def started(self, sender, **kwargs) -> None:
        if _served_by_a_server(sender):
            self._change(+1)

    def finished(self, sender, **kwargs) -> None:
        if _served_by_a_server(sender):
            self._change(-1)

    def _change(self, running: int) -> None:
        with self._changed:
            self._running += running
            self._changed_at = time.monotonic()
            self._changed.notify_all()

    def wait_for_quiet(self, seconds: float, settle_seconds: float) -> bool:
        """Wait up to `seconds` until no request is being served and none has started or ended
        for `settle_seconds` (one the browser sent just before it closed may not have been read
        yet); say whether it fell quiet."""
        deadline = time.monotonic() + seconds
        with self._changed:
            while True:
                now = time.monotonic()
                settled_in = self._changed_at + settle_seconds - now
                if self._running == 0 and settled_in <= 0:
                    return True
                if now >= deadline:
                    return False
                # A change notifies; when none is running, it is quiet once settled.
                wake_in = deadline - now if self._running else min(settled_in, deadline - now)
                self._changed.wait(wake_in)


served_requests = ServedRequests()
request_started.connect(served_requests.started, dispatch_uid="tests-served-requests-started")
request_finished.connect(served_requests.finished, dispatch_uid="tests-served-requests-finished")
