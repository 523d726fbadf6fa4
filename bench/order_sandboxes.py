"""The four sandbox partners for the order benchmarks, served by ANOTHER process (so a benchmark
times neither their work nor their locks), with stock that never runs out.

    with order_sandboxes_served(forgetful=("hearth",)) as sandboxes:
        sandboxes.base_urls          # partner name -> base URL
        sandboxes.faults_start(0.2)  # 20 % of order requests go wrong from now on
        sandboxes.records()          # every order each partner holds, from its own order book

Faults (on order requests only, chosen at random): a 5xx before the partner acts; a timeout
after it acted (the answer comes after the client gave up); a dropped connection after it
acted (the socket is closed with no answer). The sandbox's count-based FaultPlan cannot draw a
share at random and has no dropped connection, so both are added here, for benchmarks only.

A *forgetful* partner takes every request as a new order, like a partner that cannot recognise
a repeat (`deduplication: none`); each sandbox otherwise refuses a second order for one
reference. A repeat of reference R is kept as `R~2`, `R~3`... so reconciliation can see it.
"""

import json
import random
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from email.message import Message

from bench import module_served

REPEAT_MARK = "~"
BIG_STOCK = 1_000_000
# Longer than every sandbox partner's read timeout (3 s in their configuration files).
TIMEOUT_FAULT_SECONDS = 4.0
_dropping = threading.local()


class ConnectionDropped(Exception):
    """Raised in a request's thread: the HTTP server then closes the socket unanswered."""


def stocked_catalog():
    """The default catalogue with stock no benchmark can use up."""
    from partners.sandbox.catalog import Catalog, catalog_default

    default = catalog_default()
    return Catalog(
        products=default.products,
        offers=tuple(
            replace(
                offer,
                variants=tuple(replace(item, stock=BIG_STOCK) for item in offer.variants),
            )
            for offer in default.offers
        ),
    )


class ForgetfulOrders:
    """An order book that takes every request as a new order (module docstring)."""

    def __init__(self, book) -> None:
        self._book = book
        self._lock = threading.Lock()
        self._times: Counter[str] = Counter()

    def __getattr__(self, name: str):
        return getattr(self._book, name)

    def place(self, *, reference: str, **request):
        with self._lock:
            self._times[reference] += 1
            times = self._times[reference]
        kept_as = reference if times == 1 else f"{reference}{REPEAT_MARK}{times}"
        return self._book.place(reference=kept_as, **request)


def random_fault_plan(rate: float, seed: int):
    """A FaultPlan that also spoils `rate` of order requests with a random fault."""
    from partners.sandbox.faults import FaultKind, FaultPlan, Operation, fault_rule_build

    rules = {
        "5xx": fault_rule_build(FaultKind.SERVER_ERROR),
        "timeout": fault_rule_build(FaultKind.TIMEOUT, timeout_seconds=TIMEOUT_FAULT_SECONDS),
    }

    class RandomFaultPlan(FaultPlan):
        def __init__(self) -> None:
            super().__init__()
            self._random = random.Random(seed)  # noqa: S311 - a benchmark's dice
            self._dice_lock = threading.Lock()
            self.drawn: Counter[str] = Counter()

        def take(self, operation: Operation):
            rule = super().take(operation)
            if rule is not None or operation is not Operation.ORDER_PLACE:
                return rule
            with self._dice_lock:
                if self._random.random() >= rate:
                    return None
                kind = self._random.choice(("5xx", "timeout", "dropped"))
                self.drawn[kind] += 1
            if kind == "dropped":
                _dropping.after_answer = True
                return None
            return rules[kind]

    return RandomFaultPlan()


def _chaos_class(partner_class):
    class Chaos(partner_class):
        def respond(self, method: str, target: str, headers: Message, body: bytes):
            _dropping.after_answer = False
            response = super().respond(method, target, headers, body)
            if _dropping.after_answer:
                raise ConnectionDropped(target)
            return response

    Chaos.__name__ = f"Chaos{partner_class.__name__}"
    return Chaos


def serve(forgetful: list[str]) -> None:
    """In the partners' process: serve the four partners, print their base URLs as one JSON
    line, then answer commands on standard input until it closes."""
    from partners.sandbox.baywater import BaywaterSandbox
    from partners.sandbox.hearth import HearthSandbox
    from partners.sandbox.stridewell import StridewellSandbox
    from partners.sandbox.threadline import ThreadlineSandbox

    catalog = stocked_catalog()
    partners = {}
    for partner_class in (ThreadlineSandbox, StridewellSandbox, HearthSandbox, BaywaterSandbox):
        partner = _chaos_class(partner_class)(catalog=catalog)
        if partner.name.value in forgetful:
            partner.orders = ForgetfulOrders(partner.orders)
        partners[partner.name.value] = partner.start()
    print(json.dumps({name: partner.base_url for name, partner in partners.items()}), flush=True)
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command == "faults":
            for number, partner in enumerate(partners.values()):
                partner.faults = random_fault_plan(float(argument), seed=number)
            print("{}", flush=True)
        elif command == "records":
            print(json.dumps(_records(partners)), flush=True)
    for partner in partners.values():
        partner.stop()


def _records(partners: dict) -> dict:
    """Each partner's orders (id, reference, status), its request count and faults drawn."""
    records = {}
    for name, partner in partners.items():
        counters = partner.counters()
        numbers = range(1, counters.orders_created + 1)
        orders = [partner.orders.get(partner.order_id(number)) for number in numbers]
        records[name] = {
            "orders": [[order.id, order.reference, order.status.value] for order in orders],
            "order_requests": counters.order_requests,
            "faults": dict(getattr(partner.faults, "drawn", {})),
        }
    return records


@dataclass
class ServedSandboxes:
    base_urls: dict[str, str]
    process: subprocess.Popen

    def _ask(self, command: str) -> dict:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def faults_start(self, rate: float) -> None:
        self._ask(f"faults {rate}")

    def records(self) -> dict:
        return self._ask("records")


@contextmanager
def order_sandboxes_served(forgetful: tuple[str, ...] = ()) -> Iterator[ServedSandboxes]:
    with module_served("bench.order_sandboxes", ",".join(forgetful)) as (process, base_urls):
        yield ServedSandboxes(base_urls, process)


if __name__ == "__main__":
    serve([name for name in sys.argv[1].split(",") if name])
