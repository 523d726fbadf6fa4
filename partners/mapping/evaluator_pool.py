"""Evaluator processes: where every mapping is parsed and evaluated, under hard bounds.

A merchandiser's expression can spend its time where no in-process check can stop it: a
backtracking regex or a quadratic native runs in C holding the GIL (freezing every thread of the
process), and parsing happens before any hook is called. So each parse and evaluation is sent to
an evaluator process (`partners.mapping.evaluator`), one at a time per evaluator; the asking
thread waits on a pipe without the GIL, and the process it lives in keeps serving. When the
evaluator has spent the evaluation's `timeout_ms` plus `KILL_MARGIN_SECONDS` of CPU time, the
kernel ends it (see `partners.mapping.evaluator`); the pool replaces it and reports the evaluation
as stopped by `timeout_ms`. Likewise an evaluator whose
resident memory passes `memory_mb` during an evaluation is killed (reported as `memory`), and one
that has grown past `recycle_rss_mb` is replaced after its answer, so a huge parse or a
fragmented heap does not stay.

Evaluators are started with subprocess, not multiprocessing, so any process may own a pool:
a gunicorn worker thread, a Celery prefork child (billiard forbids daemonic processes to start
multiprocessing children, not to run a program), a management command. They are started lazily,
up to `processes` per pool, and a forked child never uses its parent's evaluators.
"""

from __future__ import annotations

import atexit
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from partners.mapping import wire
from partners.mapping.evaluator import READY, STARTED
from partners.mapping.limits import Limit

# CPU time past an evaluation's timeout_ms before the kernel ends its evaluator: the guard's own
# check of the same clock normally stops a runaway expression first, with a clean answer.
KILL_MARGIN_SECONDS = 0.1
# The CPU clock is the bound; wall time only guards against an evaluator that stops using the CPU
# without answering, with room for a machine so loaded that an evaluator gets a tenth of a core.
WALL_BACKSTOP_FACTOR = 10
WALL_BACKSTOP_GRACE_SECONDS = 5.0
# Starting an evaluator (Python and jsonata's imports) takes about 0.2 s; a loaded machine may
# take far longer, and a slow start is not the mapping's fault.
START_SECONDS = 30.0
# Handing over a request (unpickling a partner's answer of up to a few MB) before it starts.
HANDOVER_SECONDS = 10.0
# While an evaluation runs, its evaluator's resident memory is checked this often.
MEMORY_CHECK_SECONDS = 0.02
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
REPLY_KINDS = frozenset({"ok", "syntax", "runtime", "limit"})
REPLY_LIMITS = frozenset(limit.value for limit in Limit)
REPLY_KEYS = frozenset({"kind", "value", "message", "code", "position", "limit", "rss_kb"})
PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class PoolSettings:
    processes: int = 2
    memory_mb: int = 256
    recycle_rss_mb: int = 128
    wait_seconds: float = 10.0  # the longest a request waits for a free evaluator


class EvaluatorFailed(Exception):
    """The evaluator could not answer: `reason` is "timeout" (it ran out of time), "memory"
    (killed over its memory cap), "busy" (none free in time), "start" (none could be started)
    or "lost" (it died)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def _environment() -> dict[str, str]:
    """A bare environment: an evaluator needs no secret of ours, so it is given none."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(PROJECT_ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
        "LANG": "C.UTF-8",
    }


class _Evaluator:
    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        # A fixed argument list of our own; the expression only ever travels through the pipe.
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "partners.mapping.evaluator", str(memory_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=PROJECT_ROOT,
            env=_environment(),
        )
        self.ready = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def ask(self, cpu_seconds: float, request: tuple) -> dict[str, Any]:
        """Send one request and return the reply; raises EvaluatorFailed (then kill this one)."""
        try:
            if not self.ready:
                self._expect(READY, START_SECONDS, "start")
                self.ready = True
            wire.send(self.process.stdin.fileno(), (cpu_seconds, request))
            reply = None
            if request[0] == "evaluate":
                reply = self._receive(HANDOVER_SECONDS, "lost")
            if reply is None or reply == STARTED:  # else the request did not fit in memory
                backstop = cpu_seconds * WALL_BACKSTOP_FACTOR + WALL_BACKSTOP_GRACE_SECONDS
                reply = self._receive(backstop, "timeout")
        except EvaluatorFailed:
            raise
        except Exception as error:  # a broken pipe, or a malformed answer from an evaluator
            raise EvaluatorFailed("lost", type(error).__name__) from error
        if not _well_formed(reply):
            raise EvaluatorFailed("lost", "a malformed reply")
        return reply

    def _expect(self, value: str, seconds: float, reason: str) -> None:
        if self._receive(seconds, reason) != value:
            raise EvaluatorFailed("lost", f"expected {value!r}")

    def _receive(self, seconds: float, reason_at_deadline: str) -> Any:
        deadline = time.monotonic() + seconds
        self._await_reply(deadline)
        try:
            payload = wire.receive(self.process.stdout.fileno(), deadline=deadline)
        except wire.WireTimeout:
            raise EvaluatorFailed(reason_at_deadline) from None
        except wire.WireClosed:
            if self.process.wait() == -signal.SIGPROF:  # its CPU timer ended it
                raise EvaluatorFailed("timeout") from None
            raise EvaluatorFailed("lost", _exit_description(self.process.returncode)) from None
        return wire.data_loads(payload)

    def _await_reply(self, deadline: float) -> None:
        """Wait until the evaluator starts answering, watching its memory meanwhile: one that
        runs out of memory may hang in its allocator instead of failing, so the pool ends it
        when it passes its cap."""
        stdout = self.process.stdout.fileno()
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return  # receive() reports the deadline
            if select.select([stdout], [], [], min(remaining, MEMORY_CHECK_SECONDS))[0]:
                return
            if _resident_mb(self.pid) >= self.memory_mb:
                raise EvaluatorFailed("memory", f"over {self.memory_mb} MB")

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        self.forget()

    def forget(self) -> None:
        """Close our ends of the pipes; the evaluator, if alive, reads the end and exits."""
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


def _well_formed(reply: Any) -> bool:
    """Whether an evaluator's reply has the shape `partners.mapping.evaluator` sends."""
    return (
        isinstance(reply, dict)
        and reply.keys() >= REPLY_KEYS
        and reply["kind"] in REPLY_KINDS
        and (reply["kind"] != "limit" or reply["limit"] in REPLY_LIMITS)
        and isinstance(reply["rss_kb"], int)
    )


def _resident_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * PAGE_SIZE / (1024 * 1024)
    except (OSError, IndexError, ValueError):
        return 0.0  # it has just ended: receive() reports how


def _exit_description(returncode: int) -> str:
    if returncode < 0:
        return f"ended by {signal.Signals(-returncode).name}"
    return f"exited with status {returncode}"


class EvaluatorPool:
    """Thread-safe: each request gets an evaluator of its own for its duration."""

    def __init__(self, settings: PoolSettings) -> None:
        self.settings = settings
        self._changed = threading.Condition()
        self._idle: list[_Evaluator] = []
        self._all: set[_Evaluator] = set()
        self._waiting: deque[object] = deque()  # requests waiting for an evaluator, in order
        self._closed = False

    @property
    def busy(self) -> int:
        """How many evaluators are working on a request now."""
        with self._changed:
            return len(self._all) - len(self._idle)

    def pids(self) -> list[int]:
        with self._changed:
            return sorted(evaluator.pid for evaluator in self._all)

    def run(self, request: tuple, *, cpu_seconds: float) -> dict[str, Any]:
        """The reply to `request`; raises EvaluatorFailed."""
        evaluator = self._take()
        try:
            reply = evaluator.ask(cpu_seconds, request)
        except BaseException:
            self._replace(evaluator)
            raise
        if reply.get("rss_kb", 0) > self.settings.recycle_rss_mb * 1024:
            self._replace(evaluator)
        else:
            self._give_back(evaluator)
        return reply

    def shutdown(self) -> None:
        """Stop every evaluator, busy ones included (their requests fail as lost)."""
        with self._changed:
            self._closed = True
            evaluators, self._all, self._idle = list(self._all), set(), []
            self._changed.notify_all()
        for evaluator in evaluators:
            evaluator.kill()

    def forget_after_fork(self) -> None:
        """In a forked child: close the inherited pipes without touching the parent's evaluators,
        which then see their end when the parent goes."""
        self._closed = True
        for evaluator in self._all:
            evaluator.forget()

    def _take(self) -> _Evaluator:
        """First come, first served: a thread that gives an evaluator back and asks again at
        once must not overtake one already waiting, or a busy process starves its waiters."""
        wait_until = time.monotonic() + self.settings.wait_seconds
        ticket = object()
        with self._changed:
            self._waiting.append(ticket)
            try:
                while True:
                    if self._closed:
                        raise EvaluatorFailed("start", "the evaluator pool is shut down")
                    if self._waiting[0] is ticket and (evaluator := self._take_free()):
                        return evaluator
                    remaining = wait_until - time.monotonic()
                    if remaining <= 0:
                        raise EvaluatorFailed(
                            "busy",
                            f"all {self.settings.processes} evaluators stayed busy for "
                            f"{self.settings.wait_seconds:g} s",
                        )
                    self._changed.wait(remaining)
            finally:
                self._waiting.remove(ticket)
                self._changed.notify_all()  # the next in line may go

    def _take_free(self) -> _Evaluator | None:
        """An idle evaluator, or a new one while there is room; called holding the lock."""
        if self._idle:
            return self._idle.pop()  # a started one first: see _replace
        if len(self._all) < self.settings.processes:
            evaluator = self._start()
            self._all.add(evaluator)
            return evaluator
        return None

    def _start(self) -> _Evaluator:
        try:
            return _Evaluator(self.settings.memory_mb)
        except OSError as error:
            raise EvaluatorFailed("start", f"{type(error).__name__}: {error}") from error

    def _give_back(self, evaluator: _Evaluator) -> None:
        with self._changed:
            if evaluator in self._all:
                self._idle.append(evaluator)
                self._changed.notify_all()

    def _replace(self, evaluator: _Evaluator) -> None:
        """Kill it and start its successor at once, so the next request finds it warming up."""
        evaluator.kill()
        with self._changed:
            if evaluator not in self._all:
                return  # shut down meanwhile
            self._all.discard(evaluator)
            try:
                successor = self._start()
            except EvaluatorFailed:
                pass  # the next request tries again and reports it
            else:
                self._all.add(successor)
                # Behind the started ones (taken from the end): it may still be importing.
                self._idle.insert(0, successor)
            self._changed.notify_all()


_pool_settings = PoolSettings()
_pool: EvaluatorPool | None = None
_pool_lock = threading.Lock()


def evaluator_pool_configure(settings: PoolSettings) -> None:
    """Use `settings` for this process's pool from now on (the current one is shut down)."""
    global _pool_settings, _pool
    with _pool_lock:
        _pool_settings = settings
        previous, _pool = _pool, None
    if previous is not None:
        previous.shutdown()


def evaluator_pool() -> EvaluatorPool:
    """This process's pool, started on first use."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = EvaluatorPool(_pool_settings)
        return _pool


def _shutdown_at_exit() -> None:
    if _pool is not None:
        _pool.shutdown()


def _forget_after_fork() -> None:
    global _pool, _pool_lock
    _pool_lock = threading.Lock()  # it may have been held by another thread at the fork
    if _pool is not None:
        _pool.forget_after_fork()
        _pool = None


atexit.register(_shutdown_at_exit)
os.register_at_fork(after_in_child=_forget_after_fork)
