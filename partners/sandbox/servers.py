"""Start the four sandbox partners together, for the demo, the tests and the benchmarks."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Self, TypeVar

from partners.sandbox.baywater import BaywaterSandbox
from partners.sandbox.catalog import Catalog, PartnerName
from partners.sandbox.hearth import HearthSandbox
from partners.sandbox.partner_server import PartnerSandbox
from partners.sandbox.stridewell import StridewellSandbox
from partners.sandbox.threadline import ThreadlineSandbox

DEMO_PORTS: Mapping[str, int] = {
    PartnerName.THREADLINE: 8301,
    PartnerName.STRIDEWELL: 8302,
    PartnerName.HEARTH: 8303,
    PartnerName.BAYWATER: 8304,
}
DEMO_STATUS_ADVANCE_SECONDS = 30.0
P = TypeVar("P", bound=PartnerSandbox)


@dataclass(frozen=True)
class SandboxPartners:
    """The running partners; also a context manager that stops them."""

    threadline: ThreadlineSandbox
    stridewell: StridewellSandbox
    hearth: HearthSandbox
    baywater: BaywaterSandbox

    def __iter__(self) -> Iterator[PartnerSandbox]:
        return iter((self.threadline, self.stridewell, self.hearth, self.baywater))

    def by_name(self, name: PartnerName | str) -> PartnerSandbox:
        return getattr(self, PartnerName(name).value)

    def reset(self) -> None:
        for partner in self:
            partner.reset()

    def stop(self) -> None:
        for partner in self:
            partner.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


SIGNAL_CHECK_SECONDS = 0.2


def sandbox_partners_start(
    host: str = "127.0.0.1",
    ports: Mapping[str, int] | None = None,
    *,
    status_advance_seconds: float | None = None,
    catalog: Catalog | None = None,
) -> SandboxPartners:
    """Serve every partner in background threads; a missing or 0 port means a free one.

    Orders advance on their own only if `status_advance_seconds` is given; otherwise a test moves
    them with `order_advance`, so nothing depends on how fast the machine is.
    """
    chosen = {PartnerName(name): port for name, port in (ports or {}).items()}
    started: list[PartnerSandbox] = []

    def launch(partner_class: type[P]) -> P:
        partner = partner_class(
            host=host,
            port=chosen.get(partner_class.name, 0),
            catalog=catalog,
            status_advance_seconds=status_advance_seconds,
        )
        started.append(partner.start())
        return partner

    try:
        return SandboxPartners(
            launch(ThreadlineSandbox),
            launch(StridewellSandbox),
            launch(HearthSandbox),
            launch(BaywaterSandbox),
        )
    except BaseException:
        for partner in started:
            partner.stop()
        raise


def sandbox_partners_serve(
    host: str = "127.0.0.1",
    ports: Mapping[str, int] = DEMO_PORTS,
    *,
    status_advance_seconds: float | None = DEMO_STATUS_ADVANCE_SECONDS,
    until: threading.Event | None = None,
) -> None:
    """Serve in the foreground (for `python -m partners.sandbox` or a management command)
    until `until` is set or Ctrl-C."""
    stop = until or threading.Event()
    # Ctrl-C may come while the partners are still starting (the first already answers) or
    # stopping: the suppression is outermost so it covers both, not only the wait.
    with (
        contextlib.suppress(KeyboardInterrupt),
        sandbox_partners_start(host, ports, status_advance_seconds=status_advance_seconds),
    ):
        # Waking now and then: the kernel may hand Ctrl-C to a server thread, and Python runs
        # the handler (raising KeyboardInterrupt) only when the main thread runs again.
        while not stop.wait(SIGNAL_CHECK_SECONDS):
            pass
