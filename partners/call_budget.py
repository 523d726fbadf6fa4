"""How long one partner operation may take, worked out from the partner's settings alone.

One attempt has one deadline, connect + read timeout from its start, covering everything it
does: the wait for an OAuth2 token and for a concurrency slot, resolving the host, connecting,
TLS, sending, and reading the headers and body. One operation has one deadline too, covering
all its attempts and the waits between them; this module says how far away it is.

Worst case of an operation (reads; writes are sent once):
    attempts x (connect + read timeout)        each attempt, cut off at its deadline
  + (attempts - 1) x RETRY_WAIT_MAX_SECONDS    back-off or an honoured Retry-After
  + one more attempt for OAuth2 partners        sent again with a fresh token after a 401

A page that asks a partner (lookup, search, similar, Test connection) must be able to wait that
long before the web server gives up on the request; `web_budget_problem` says when it cannot.
Pure arithmetic: imported by the models, so it imports nothing of ours.
"""

from __future__ import annotations

from dataclasses import dataclass

BACKOFF_BASE_SECONDS = 0.2
BACKOFF_MAX_SECONDS = 2.0
RETRY_AFTER_MAX_SECONDS = 2.0
RETRY_WAIT_MAX_SECONDS = max(BACKOFF_MAX_SECONDS, RETRY_AFTER_MAX_SECONDS)
READ_ATTEMPTS_MAX = 3


@dataclass(frozen=True)
class CallBudget:
    """The time limits of one operation of one partner."""

    connect_timeout_ms: int
    read_timeout_ms: int
    attempts: int
    token_renewal: bool  # an OAuth2 partner's 401 earns one more attempt with a fresh token

    @property
    def attempt_seconds(self) -> float:
        return (self.connect_timeout_ms + self.read_timeout_ms) / 1000

    @property
    def worst_case_seconds(self) -> float:
        sends = self.attempts + (1 if self.token_renewal else 0)
        return sends * self.attempt_seconds + (self.attempts - 1) * RETRY_WAIT_MAX_SECONDS

    def explained(self) -> str:
        """The worst case as the sum it is, e.g. for a message to a merchandiser."""
        attempts = f"{self.attempts} attempt{'s' if self.attempts > 1 else ''}"
        if self.token_renewal:
            attempts += " + 1 with a renewed OAuth2 token"
        text = (
            f"{attempts} x (connect {self.connect_timeout_ms:,} ms + read "
            f"{self.read_timeout_ms:,} ms)"
        )
        waits = self.attempts - 1
        if waits:
            text += (
                f" + {waits} wait{'s' if waits > 1 else ''} of up to "
                f"{RETRY_WAIT_MAX_SECONDS:g} s between attempts"
            )
        return f"{text} = {self.worst_case_seconds:g} s"


def web_budget_problem(
    budget: CallBudget, *, web_timeout_seconds: int, render_margin_seconds: int
) -> str | None:
    """Why a page could not wait for this partner's reads, or None when it can."""
    allowed = web_timeout_seconds - render_margin_seconds
    if budget.worst_case_seconds <= allowed:
        return None
    return (
        f"A lookup, search or Test connection could take up to {budget.worst_case_seconds:g} s: "
        f"{budget.explained()}. A page may wait {allowed} s for a partner (the web server's "
        f"GUNICORN_TIMEOUT of {web_timeout_seconds} s less {render_margin_seconds} s to render "
        "the page). Lower the timeouts or the read attempts."
    )
