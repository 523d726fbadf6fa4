"""Name resolution that a caller stops waiting for at its deadline.

`socket.getaddrinfo` cannot be interrupted or given a timeout, and a resolver that does not
answer holds the calling thread for as long as the system's resolver retries (tens of seconds).
So names are resolved on a small pool of threads shared by the process, and the caller waits at
most until its deadline. A lookup still running then finishes in the background, holding its
pool thread; when every thread is stuck, later lookups queue and time out in turn, which is the
right answer while the resolver is down. Addresses written as IP literals skip the pool.

Threads start on first use in each process: threads inherited through fork do not exist.
"""

from __future__ import annotations

import ipaddress
import os
import queue
import socket
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

RESOLVER_THREADS = 4


class ResolveTimeout(TimeoutError):
    """The name did not resolve before the caller's deadline."""


class _ResolverPool:
    """Up to RESOLVER_THREADS daemon threads taking lookups from one queue. Daemon threads,
    unlike a ThreadPoolExecutor's, never hold up the process's exit for a lookup nobody waits
    for any more."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._pending: queue.SimpleQueue[tuple[Future, str, int]] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []

    def submit(self, host: str, port: int) -> Future:
        future: Future = Future()
        self._pending.put((future, host, port))
        with self._lock:
            self._threads = [thread for thread in self._threads if thread.is_alive()]
            if len(self._threads) < RESOLVER_THREADS:
                thread = threading.Thread(target=self._work, name="partner-dns", daemon=True)
                self._threads.append(thread)
                thread.start()
        return future

    def _work(self) -> None:
        while True:
            future, host, port = self._pending.get()
            if not future.set_running_or_notify_cancel():
                continue  # the caller stopped waiting before it started
            try:
                future.set_result(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
            except BaseException as error:  # handed to the caller, who decides
                future.set_exception(error)


_pool = _ResolverPool()


def resolve(host: str, port: int, *, timeout: float) -> list[tuple]:
    """getaddrinfo(host, port, SOCK_STREAM), waiting at most `timeout` seconds.

    Raises ResolveTimeout when the answer is late and socket.gaierror when the name does not
    resolve.
    """
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if timeout <= 0:
        raise ResolveTimeout(f"No time left to resolve {host}.")
    future = _pool.submit(host, port)
    try:
        return future.result(timeout=timeout)
    except FutureTimeout:
        future.cancel()  # if it is still queued, it never runs
        raise ResolveTimeout(f"{host} did not resolve within {timeout * 1000:.0f} ms.") from None
