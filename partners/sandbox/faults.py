"""Faults the sandbox can inject, so clients can be tested against a misbehaving partner.

Some faults stop a request before the partner acts on it (`5xx`, `429`: nothing happens, as when
a load balancer refuses). The others spoil only the *answer* after the partner has acted
(`timeout`, `malformed`, `wrong-content-type`, `huge`): an order placed under one of them exists
even though the client never read a usable reply. That is the case idempotent retries are for.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

MEBIBYTE = 1024 * 1024


class FaultKind(StrEnum):
    TIMEOUT = "timeout"
    SERVER_ERROR = "5xx"
    RATE_LIMITED = "429"
    MALFORMED = "malformed"
    WRONG_CONTENT_TYPE = "wrong-content-type"
    HUGE = "huge"
    REJECT_LINE = "reject-line"


# Faults that answer instead of the partner; the rest act on the partner's own answer.
FAULTS_BEFORE_HANDLING = frozenset({FaultKind.SERVER_ERROR, FaultKind.RATE_LIMITED})


class Operation(StrEnum):
    """What a request does, the same name for every partner, to aim faults at it."""

    TOKEN = "token"  # noqa: S105 - an operation name, not a credential
    LOOKUP_CODE = "lookup_code"
    LOOKUP_NUMBER = "lookup_number"
    SEARCH = "search"
    SIMILAR = "similar"
    ORDER_PLACE = "order_place"
    ORDER_STATUS = "order_status"
    ORDER_CANCEL = "order_cancel"
    IMAGE = "image"


@dataclass(frozen=True)
class FaultRule:
    """Inject `kind` into the next `count` matching requests (all of them while count is None)."""

    kind: FaultKind
    count: int | None = None
    operations: frozenset[Operation] | None = None
    timeout_seconds: float = 30.0
    huge_bytes: int = 5 * MEBIBYTE
    retry_after_seconds: int = 1

    def applies_to(self, operation: Operation) -> bool:
        # A line can only be rejected in an order; other requests must not use the fault up.
        if self.kind is FaultKind.REJECT_LINE and operation is not Operation.ORDER_PLACE:
            return False
        return self.operations is None or operation in self.operations

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "count": self.count,
            "operations": sorted(self.operations) if self.operations is not None else None,
            "timeout_seconds": self.timeout_seconds,
            "huge_bytes": self.huge_bytes,
            "retry_after_seconds": self.retry_after_seconds,
        }


def fault_rule_build(
    kind: FaultKind | str,
    *,
    count: int | None = None,
    operations: Iterable[Operation | str] | None = None,
    timeout_seconds: float = 30.0,
    huge_bytes: int = 5 * MEBIBYTE,
    retry_after_seconds: int = 1,
) -> FaultRule:
    """Validate and build a rule; raise ValueError naming what is wrong (the control API's 400)."""
    if count is not None and count < 1:
        raise ValueError("count must be at least 1, or null for every request until cleared")
    if timeout_seconds <= 0 or huge_bytes <= 0 or retry_after_seconds < 0:
        raise ValueError(
            "timeout_seconds and huge_bytes must be positive, retry_after_seconds >= 0"
        )
    return FaultRule(
        kind=FaultKind(kind),
        count=count,
        operations=None if operations is None else frozenset(Operation(op) for op in operations),
        timeout_seconds=timeout_seconds,
        huge_bytes=huge_bytes,
        retry_after_seconds=retry_after_seconds,
    )


class FaultPlan:
    """The rules in force, used up in the order they were added; safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def take(self, operation: Operation) -> FaultRule | None:
        """The first rule that applies to `operation`, counting this request against it."""
        with self._lock:
            for index, rule in enumerate(self._rules):
                if not rule.applies_to(operation):
                    continue
                if rule.count == 1:
                    del self._rules[index]
                elif rule.count is not None:
                    self._rules[index] = replace(rule, count=rule.count - 1)
                return rule
            return None

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)
