"""Name resolution that a caller stops waiting for at its deadline.

`socket.getaddrinfo` cannot be interrupted or given a timeout, and a resolver that does not
answer holds the calling thread for as long as the system's resolver retries (tens of seconds).
So names are resolved on a small pool of threads shared by the process, and the caller waits at
most until its deadline. A lookup still running then finishes in the background, holding its
pool thread; when every thread is stuck, later lookups queue and time out in turn, which is the
right answer while the resolver is down. Addresses written as IP literals skip the pool.

The pool is made on first use in each process: one inherited through fork would have no
threads behind it.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

RESOLVER_THREADS = 4


class ResolveTimeout(TimeoutError):
    """The name did not resolve before the caller's deadline."""


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _forget_pool_after_fork() -> None:
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_pool_after_fork)


def _shared_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=RESOLVER_THREADS, thread_name_prefix="partner-dns"
            )
        return _pool


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
    future: Future = _shared_pool().submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        return future.result(timeout=timeout)
    except FutureTimeout:
        future.cancel()  # if it is still queued, it never runs
        raise ResolveTimeout(f"{host} did not resolve within {timeout * 1000:.0f} ms.") from None
