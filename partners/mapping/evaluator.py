"""An evaluator process: `python -m partners.mapping.evaluator MEMORY_MB`, started by the pool.

It caps its own address space (twice the pool's memory cap, beyond what its imports mapped), says
it is ready, then answers one request at a time from its standard input on its standard output
(frames of `partners.mapping.wire`, each request sent as `(cpu_seconds, request)`):

    ("parse", expression)                                  -> reply
    ("evaluate", expression, data, bindings, limits, fast) -> "started", then reply

("started" is left out when the request itself does not fit in memory.)
A reply is the `Outcome` of `partners.mapping.interpreter` as a dict, plus the process's resident
memory in KB (`rss_kb`) so that the pool can replace an evaluator that has grown.

Its time bound is CPU time, enforced by the kernel: for each request it arms a profiling timer
whose signal (SIGPROF) keeps its default action, so the kernel ends the process once it has spent
`cpu_seconds` of CPU on the request, whatever it is doing: a regex stuck in C cannot delay a
signal's default action. CPU time, not wall time, so that a healthy mapping on a loaded machine
is never stopped for waiting its turn. And it never outlives its purpose: it exits when its
standard input closes (the pool, or the process that held it, has gone). A request in progress
when its owner is killed is cut short too: a watchdog thread sees the evaluator orphaned (its
parent process changed) and exits within ORPHAN_CHECK_SECONDS, as long as the evaluation runs
Python code; one stuck inside C (a regex) ends at its timer with nobody left to kill it.
"""

import os
import resource
import signal
import sys
import threading
import time
from typing import Any

from partners.mapping import wire
from partners.mapping.interpreter import Outcome, evaluate, parse
from partners.mapping.limits import Limit, MappingLimits

READY = "ready"
STARTED = "started"
ADDRESS_SPACE_FACTOR = 2
ORPHAN_CHECK_SECONDS = 0.25
WATCHDOG_STACK_BYTES = 256 * 1024


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_SECONDS)
    os._exit(0)


def _watch_parent() -> None:
    threading.stack_size(WATCHDOG_STACK_BYTES)  # counted in the address-space cap
    threading.Thread(
        target=_exit_when_orphaned, args=(os.getppid(),), name="orphan-watchdog", daemon=True
    ).start()


def _statm_pages(field: int) -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[field])


def _resident_kb() -> int:
    return _statm_pages(1) * resource.getpagesize() // 1024


def _mapped_bytes() -> int:
    return _statm_pages(0) * resource.getpagesize()


def _reply(outcome: Outcome) -> dict[str, Any]:
    return {
        **vars(outcome),
        "limit": None if outcome.limit is None else str(outcome.limit),
        "rss_kb": _resident_kb(),
    }


def _answer(request: tuple, out: int) -> dict[str, Any]:
    kind, expression, *rest = request
    if kind == "parse":
        return _reply(parse(expression))
    data, bindings, limits, fast = rest
    wire.send(out, STARTED)
    return _reply(evaluate(expression, data, bindings, MappingLimits(**limits), fast=fast))


def serve(memory_mb: int) -> None:
    _watch_parent()
    # The pool ends an evaluator whose resident memory passes memory_mb; the address-space cap
    # is the backstop for a burst of allocation between two of its checks. It counts from what
    # the process has mapped once its imports are done: the fast engine reserves about 1 GB of
    # address space when it loads (mostly never touched), and grows its stack in new mappings.
    cap = _mapped_bytes() + ADDRESS_SPACE_FACTOR * memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    signal.signal(signal.SIGPROF, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which ends us
    source, out = sys.stdin.fileno(), sys.stdout.fileno()
    wire.send(out, READY)
    out_of_memory = _reply(Outcome("limit", limit=Limit.MEMORY))  # built while there is room
    while True:
        try:
            payload = wire.receive(source)
        except wire.WireClosed:
            return
        try:
            cpu_seconds, request = wire.data_loads(payload)
            del payload
            signal.setitimer(signal.ITIMER_PROF, cpu_seconds)
            reply = _answer(request, out)
        except MemoryError:  # the request or its result does not fit in the cap
            reply = out_of_memory
        try:
            wire.send(out, reply)
        except MemoryError:
            wire.send(out, out_of_memory)
        signal.setitimer(signal.ITIMER_PROF, 0)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
    os._exit(0)
