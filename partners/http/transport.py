"""urllib3 connections that keep an attempt's deadline and record whether they wrote anything.

The client runs each attempt inside an `AttemptGuard`. While it is active, every connection the
attempt uses, new or taken from the pool, registers its socket with the watchdog under the
attempt's deadline (so a partner trickling its TLS handshake, headers or body is cut off), and
every byte handed to the kernel is noted: `written` is what tells "never sent" from "may have
reached the partner", instead of a guess from the exception type.

Writes get pools of their own whose connections are closed instead of being kept when they are
released, so a write never goes out on a kept-alive connection: one the partner closed while it
sat idle would fail on first use and make a write that never left look like one whose outcome
is unknown. (urllib3 releases a connection itself once a body is read to its end, so closing
it afterwards would be too late; `_put_conn` is the one place every release goes through.)
"""

from __future__ import annotations

import time
from contextvars import ContextVar, Token
from types import TracebackType

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from partners.http.errors import Delivery
from partners.http.ssrf import Destination
from partners.http.watchdog import SocketWatchdog, Watch, socket_watchdog

POOL_COUNT = 64
POOL_MAXSIZE = 100  # the most concurrent requests a partner can be configured for

_current_attempt: ContextVar[AttemptGuard | None] = ContextVar("partner_attempt", default=None)


class AttemptGuard:
    """One attempt on the wire: its deadline, the sockets it used, whether it wrote a byte."""

    def __init__(self, deadline: float, *, watchdog: SocketWatchdog = socket_watchdog) -> None:
        self.deadline = deadline
        self.written = False
        self._watchdog = watchdog
        self._watches: list[Watch] = []
        self._connections: list[HTTPConnection] = []
        self._token: Token | None = None

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    @property
    def cut_off(self) -> bool:
        """Did the watchdog shut one of this attempt's connections down?"""
        return any(watch.fired for watch in self._watches)

    @property
    def expired(self) -> bool:
        return self.cut_off or self.remaining() <= 0

    @property
    def delivery_without_answer(self) -> Delivery:
        """What an attempt that ends without a complete answer may have delivered."""
        return Delivery.UNKNOWN if self.written else Delivery.NOT_SENT

    def watch(self, connection: HTTPConnection, sock) -> None:
        self._connections.append(connection)
        self._watches.append(self._watchdog.watch(sock, self.deadline))

    def watches(self, connection: HTTPConnection) -> bool:
        return any(known is connection for known in self._connections)

    def __enter__(self) -> AttemptGuard:
        self._token = _current_attempt.set(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._token is not None:
            _current_attempt.reset(self._token)
        for watch in self._watches:
            self._watchdog.cancel(watch)


class _GuardedConnection:
    """Mixed into urllib3's connections: registration with the current attempt, and writes
    that note each byte the kernel accepted."""

    sock: object

    def _new_conn(self):
        sock = super()._new_conn()  # type: ignore[misc]
        if (guard := _current_attempt.get()) is not None:
            guard.watch(self, sock)  # type: ignore[arg-type]
        return sock

    def request(self, *args, **kwargs) -> None:
        guard = _current_attempt.get()
        if guard is not None and self.sock is not None and not guard.watches(self):  # type: ignore[arg-type]
            guard.watch(self, self.sock)  # type: ignore[arg-type]
        super().request(*args, **kwargs)  # type: ignore[misc]

    def send(self, data) -> None:
        guard = _current_attempt.get()
        if guard is None or not isinstance(data, bytes | bytearray | memoryview):
            if guard is not None:
                guard.written = True  # a stream: counted as written before it is tried
            super().send(data)  # type: ignore[misc]
            return
        if self.sock is None:
            self.connect()  # type: ignore[attr-defined]  # as http.client's auto_open does
        view = memoryview(data).cast("B")
        while view:
            sent = self.sock.send(view)  # type: ignore[attr-defined]
            if sent:
                guard.written = True
            view = view[sent:]


class GuardedHTTPConnection(_GuardedConnection, HTTPConnection):
    pass


class GuardedHTTPSConnection(_GuardedConnection, HTTPSConnection):
    pass


class GuardedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class _SingleUse:
    """A pool that closes each connection given back to it and keeps the free slot."""

    def _put_conn(self, conn: HTTPConnection | None) -> None:
        if conn is not None:
            conn.close()
        super()._put_conn(None)  # type: ignore[misc]


class SingleUseHTTPConnectionPool(_SingleUse, GuardedHTTPConnectionPool):
    pass


class SingleUseHTTPSConnectionPool(_SingleUse, GuardedHTTPSConnectionPool):
    pass


def guarded_pool_manager(*, ca_certs: str, single_use: bool = False) -> urllib3.PoolManager:
    """Pools of guarded connections, keyed by the pinned address and, for https, the name to
    verify: a pool never mixes connections made for different names on the same address.
    `single_use` pools never reuse a connection (for writes)."""
    manager = urllib3.PoolManager(
        num_pools=POOL_COUNT,
        maxsize=POOL_MAXSIZE,
        block=False,
        cert_reqs="CERT_REQUIRED",
        ca_certs=ca_certs,
        retries=False,
    )
    manager.pool_classes_by_scheme = (
        {"http": SingleUseHTTPConnectionPool, "https": SingleUseHTTPSConnectionPool}
        if single_use
        else {"http": GuardedHTTPConnectionPool, "https": GuardedHTTPSConnectionPool}
    )
    return manager


def pinned_pool(manager: urllib3.PoolManager, destination: Destination) -> HTTPConnectionPool:
    """The pool for a checked destination: it connects to the address the SSRF guard resolved
    and, over https, verifies the certificate (and sends SNI) for the host name."""
    return manager.connection_from_host(
        destination.address,
        destination.port,
        destination.scheme,
        pool_kwargs={"server_hostname": destination.host, "assert_hostname": destination.host}
        if destination.scheme == "https"
        else None,
    )
