"""A per-process watchdog that shuts a partner's socket down when its attempt's deadline passes.

urllib3's read timeout bounds the silence between two bytes, not the whole answer: a partner
that sends its headers or body one byte a second keeps a 3 s read timeout from ever firing. A
blocking read cannot be given a deadline, but it returns at once when another thread shuts its
socket down; so each attempt registers the sockets it uses here, and one daemon thread shuts
down those still registered when their deadline passes. The reading thread then sees the
connection end and the client reports a timeout.

A registration keeps its own duplicate of the socket's file descriptor: TLS wrapping detaches
the original socket object (the handshake could trickle too), and a descriptor of our own can
never be closed and reused by an unrelated connection before we shut it down. Shutting down
through the duplicate acts on the connection both share. Cancelling a registration (the attempt
is over) happens under the same lock as firing, so a finished attempt's socket, which may go
back to the pool, is never shut down afterwards.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import socket
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Watch:
    """One socket registered until `deadline` (time.monotonic)."""

    deadline: float
    duplicate: socket.socket = field(repr=False)
    fired: bool = False
    cancelled: bool = False


class SocketWatchdog:
    """Thread-safe; the thread starts on first use in each process (a forked child starts its
    own: threads do not survive fork)."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._due: list[tuple[float, int, Watch]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, sock: socket.socket, deadline: float) -> Watch:
        """Shut `sock`'s connection down at `deadline` unless `cancel` comes first."""
        duplicate = socket.socket(sock.family, sock.type, sock.proto, fileno=os.dup(sock.fileno()))
        watch = Watch(deadline=deadline, duplicate=duplicate)
        with self._lock:
            earliest = not self._due or deadline < self._due[0][0]
            heapq.heappush(self._due, (deadline, next(self._order), watch))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="partner-call-watchdog", daemon=True
                )
                self._thread.start()
            elif earliest:
                self._changed.notify()  # otherwise the thread wakes early enough already
        return watch

    def cancel(self, watch: Watch) -> None:
        with self._lock:
            watch.cancelled = True
        watch.duplicate.close()

    def _run(self) -> None:
        with self._lock:
            while True:
                while self._due and self._due[0][2].cancelled:
                    heapq.heappop(self._due)
                if not self._due:
                    self._changed.wait()
                    continue
                deadline, _, watch = self._due[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._changed.wait(wait)
                    continue
                heapq.heappop(self._due)
                watch.fired = True
                with contextlib.suppress(OSError):  # the connection had already ended
                    watch.duplicate.shutdown(socket.SHUT_RDWR)


socket_watchdog = SocketWatchdog()
