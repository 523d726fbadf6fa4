"""`PartnerHttpClient.send`: the one door every partner request goes out through.

Per attempt, in this order: an OAuth2 token if the partner needs one; a slot under the
partner's concurrency cap and the circuit breaker's leave, both shared by every process
(`partners.http.limits`); the SSRF guard (resolve once, check, pin the address); the request
with the partner's credentials; a size-capped read; one `PartnerCall` row and one log line.
Around the attempts: retries with backoff for idempotent calls only, and one token renewal
when an OAuth2 partner answers 401.

Deadlines (see `partners.call_budget`). Each attempt has one deadline, connect + read timeout
from its start, and everything in it waits at most until then: the token fetch (a nested send
given the time left), the slot, resolving the name (`resolver`), connecting, TLS, sending, the
headers and the body, redirects included. urllib3's timeouts bound each step; the watchdog
(`transport`, `watchdog`) shuts the socket down at the deadline, so a partner trickling its
answer a byte at a time is cut off too. The operation has one deadline over all its attempts
and waits: a retry is started only if its wait and a whole attempt fit before it. A caller may
pass an earlier deadline of its own.

Every error says whether the request may have reached the partner (`PartnerCallError.delivery`),
decided from whether the attempt wrote a byte; the `PartnerCall` row records it too.

Redirects are never followed by urllib3: the client follows up to MAX_REDIRECTS itself so each
hop passes the SSRF guard again. Only hops on the original origin get the partner's headers
(fixed and mapped headers, the idempotency key, secret headers, credentials); a hop elsewhere
gets none of them. Writes (non-idempotent calls) never follow a redirect: a redirected write is
an error whose outcome is unknown, and its body is never sent to another URL.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import quote, urlencode, urljoin

import certifi
import urllib3
from django.conf import settings
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.util import Timeout

from partners.call_budget import CallBudget
from partners.http.auth import OutgoingRequest, access_token, auth_apply
from partners.http.call_log import call_record
from partners.http.connection import PartnerConnection
from partners.http.errors import (
    CircuitOpen,
    Delivery,
    PartnerAuthFailed,
    PartnerBadResponse,
    PartnerCallError,
    PartnerHttpError,
    PartnerRateLimited,
    PartnerResponseTooLarge,
    PartnerTimeout,
    PartnerUnavailable,
    UnsafeDestination,
)
from partners.http.limits import (
    Circuit,
    CircuitRefused,
    LimitsUnavailable,
    PartnerLimits,
    Permit,
    SlotsBusy,
    partner_limits_build,
)
from partners.http.resolver import ResolveTimeout
from partners.http.retries import RETRYABLE_STATUSES, retry_after_seconds, retry_delay
from partners.http.ssrf import Destination, DestinationRefused, destination_for
from partners.http.transport import AttemptGuard, guarded_pool_manager, pinned_pool
from partners.models import Partner, PartnerCall

USER_AGENT = "EndlessAisle/1.0"
MAX_REDIRECTS = 3
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
READ_CHUNK_BYTES = 64 * 1024
PATH_SAFE_CHARACTERS = "/%:@!$&'()*+,;=-._~"

Outcome = PartnerCall.Outcome


class _QueryStringRedaction(logging.Filter):
    """urllib3 logs request targets (at DEBUG, and at WARNING for unparsable headers); ours
    may carry an API key or a customer's search in the query string, so it is cut out."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                re.sub(r"\?\S*", "?[redacted]", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


for _logger_name in ("urllib3.connectionpool", "urllib3.connection"):
    logging.getLogger(_logger_name).addFilter(_QueryStringRedaction())


@dataclass(frozen=True)
class PartnerResponse:
    """A partner's answer. `headers` names are lower-case; `elapsed_ms` covers the whole
    `send` (every attempt and backoff); `attempt` is the attempt that produced it, from 1;
    `call_row` is its PartnerCall row (see `call_outcome_set`)."""

    status: int
    headers: dict[str, str] = field(repr=False)  # may carry customer data or tokens
    body: bytes = field(repr=False)
    elapsed_ms: int
    attempt: int
    call_row: PartnerCall = field(repr=False)


@dataclass(frozen=True)
class _Call:
    """What the caller asked `send` for."""

    connection: PartnerConnection
    operation: str
    method: str
    path: str
    # Kept out of reprs (tracebacks, debuggers): they may hold customer data or API keys.
    query: dict[str, str] | None = field(repr=False)
    headers: dict[str, str] = field(repr=False)
    body: bytes = field(repr=False)
    content_type: str | None
    accepted_statuses: frozenset[int]
    idempotent: bool
    correlation: str = ""

    @property
    def budget(self) -> CallBudget:
        connection = self.connection
        return CallBudget(
            connect_timeout_ms=connection.connect_timeout_ms,
            read_timeout_ms=connection.read_timeout_ms,
            attempts=connection.read_attempts if self.idempotent else 1,
            token_renewal=connection.auth_type == Partner.AuthType.OAUTH2_CLIENT_CREDENTIALS,
        )

    @property
    def url(self) -> str:
        path = quote(self.path, safe=PATH_SAFE_CHARACTERS)
        query = f"?{urlencode(self.query)}" if self.query else ""
        return f"{self.connection.base_url.rstrip('/')}{path}{query}"

    def error(
        self, error_type: type[PartnerCallError], message: str, **details: Any
    ) -> PartnerCallError:
        return error_type(
            message, operation=self.operation, partner=self.connection.slug, **details
        )


@dataclass
class _Progress:
    """How far one `send` has got, across its attempts."""

    attempt: int = 0
    retries_done: int = 0
    token: str | None = None
    token_renewed: bool = False
    rejected_token: str | None = None  # the token the partner answered 401 to


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: dict[str, str] = field(repr=False)
    body: bytes = field(repr=False)


class PartnerHttpClient:
    """Thread-safe; share one per process (`partner_http_client()`) so connection pools are
    shared too. Concurrency caps and circuit breakers are shared by every process through
    `limits`; circuits are kept per partner and config version, so a corrected configuration
    starts with a closed circuit."""

    def __init__(
        self,
        *,
        ca_certs: str = certifi.where(),
        limits: PartnerLimits | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`ca_certs` is the bundle partners' certificates are verified against (certifi's;
        tests pass their own CA). Verification itself cannot be turned off. `limits` defaults
        to the backend the settings choose; tests pass one with a fake clock, and `sleep` to
        skip real backoff waits."""
        self._pools = guarded_pool_manager(ca_certs=ca_certs)
        # Writes never reuse a connection (see `transport`).
        self._write_pools = guarded_pool_manager(ca_certs=ca_certs, single_use=True)
        self._limits = limits or partner_limits_build()
        self._sleep = sleep

    def send(
        self,
        connection: PartnerConnection,
        *,
        operation: str,
        method: str,
        path: str,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
        idempotent: bool,
        accepted_statuses: Collection[int] = frozenset(),
        deadline: float | None = None,
        correlation: str = "",
    ) -> PartnerResponse:
        """Send one request to the partner and return its answer, or raise PartnerCallError.

        `path` goes under the base URL and must not hold a query string: pass `query`, which
        is kept out of the call log (it may hold an API key or a customer's search). 2xx and
        `accepted_statuses` (e.g. {404} for a lookup, {409} for an order) are returned; any
        other status raises the matching error. `idempotent=True` allows retries of transient
        failures (up to the partner's read attempts) and redirects; a request refused with 401
        by an OAuth2 partner is sent once more with a fresh token whatever `idempotent` says,
        since the partner did not act on it. `deadline` (time.monotonic) ends the operation
        earlier than the partner's own worst case, e.g. the attempt a token fetch is part of.
        `correlation` is an opaque reference the caller finds its calls by in the call log
        (the order pipeline's idempotency key); it is never sent.
        """
        if not path.startswith("/") or "?" in path or "#" in path:
            raise ValueError("path must start with '/' and hold no query string: pass query=.")
        call = _Call(
            connection=connection,
            operation=operation,
            method=method.upper(),
            path=path,
            query=query,
            headers=dict(headers or {}),
            body=body or b"",
            content_type=content_type,
            accepted_statuses=frozenset(accepted_statuses),
            idempotent=idempotent,
            correlation=correlation,
        )
        started = time.monotonic()
        budget = call.budget
        operation_deadline = started + budget.worst_case_seconds
        if deadline is not None:
            operation_deadline = min(operation_deadline, deadline)
        progress = _Progress()
        while True:
            progress.attempt += 1
            attempt_deadline = min(time.monotonic() + budget.attempt_seconds, operation_deadline)
            try:
                answer, call_row = self._attempt_recorded(call, progress, attempt_deadline)
            except PartnerCallError as error:
                if self._token_renewable(call, error, progress) and _fits(
                    budget, operation_deadline, wait=0
                ):
                    progress.token_renewed = True
                    progress.rejected_token = progress.token
                    continue
                # A write's budget has one attempt, so it is never retried.
                delay = retry_delay(
                    error, retries_done=progress.retries_done, retries=budget.attempts - 1
                )
                if delay is None or not _fits(budget, operation_deadline, wait=delay):
                    raise
                progress.retries_done += 1
                self._sleep(delay)
                continue
            return PartnerResponse(
                status=answer.status,
                headers=answer.headers,
                body=answer.body,
                elapsed_ms=_milliseconds_since(started),
                attempt=progress.attempt,
                call_row=call_row,
            )

    def breaker_for(self, connection: PartnerConnection) -> Circuit:
        """The circuit of this partner (and config version), as every process sees it now."""
        return self._limits.circuit(connection)

    # --- One attempt ---

    def _attempt_recorded(
        self, call: _Call, progress: _Progress, deadline: float
    ) -> tuple[_Answer, PartnerCall]:
        """One attempt and its call-log entry; the answer and the entry."""
        started = time.monotonic()
        record = partial(
            call_record,
            call.connection,
            operation=call.operation,
            method=call.method,
            path=call.path,
            attempt=progress.attempt,
            correlation=call.correlation,
        )
        try:
            answer = self._attempt(call, progress, deadline)
        except PartnerCallError as error:
            record(
                latency_ms=_milliseconds_since(started),
                outcome=error.outcome,
                delivery=error.delivery,
                status_code=error.status_code,
                error=error.message,
            )
            raise
        call_row = record(
            latency_ms=_milliseconds_since(started),
            outcome=_outcome_for(answer.status, call.accepted_statuses),
            delivery=Delivery.ANSWERED,
            status_code=answer.status,
        )
        return answer, call_row

    def _attempt(self, call: _Call, progress: _Progress, deadline: float) -> _Answer:
        if deadline <= time.monotonic():
            raise call.error(
                PartnerTimeout,
                "No time was left for this attempt within the operation's deadline.",
                transient=True,
                delivery=Delivery.NOT_SENT,
            )
        if call.connection.auth_type == Partner.AuthType.OAUTH2_CLIENT_CREDENTIALS:
            # Before taking a slot: the token request takes one of its own.
            progress.token = self._access_token(call, progress.rejected_token, deadline)
        with self._slot(call, deadline) as permit:
            try:
                answer = self._exchange(call, progress.token, deadline)
                self._raise_for_status(call, answer)
            except PartnerCallError as error:
                if error.partner_failure:
                    permit.failed()
                elif error.status_code is not None:
                    permit.succeeded()  # the partner is up: it answered
                # Otherwise it never reached the partner: the permit ends with no outcome.
                raise
            permit.succeeded()
            return answer

    def _access_token(self, call: _Call, rejected_token: str | None, deadline: float) -> str:
        try:
            return access_token(self, call.connection, rejected=rejected_token, deadline=deadline)
        except PartnerCallError as error:
            # The token request was logged as calls of its own; this attempt fails for the same
            # reason, and nothing of it was sent.
            raise call.error(
                type(error),
                f"No access token: {error.message}",
                transient=error.transient,
                delivery=Delivery.NOT_SENT,
            ) from error

    @contextmanager
    def _slot(self, call: _Call, deadline: float) -> Iterator[Permit]:
        """A slot under the partner's cap and the circuit's leave to call, shared by every
        process; waits for a slot until `deadline` (monotonic). The slot is given back, and the
        outcome the permit was told handed to the circuit, when the block ends."""
        connection = call.connection
        try:
            permit = self._limits.admit(connection, deadline=deadline)
        except SlotsBusy:
            raise call.error(
                PartnerUnavailable,
                f"Too many concurrent requests: all {connection.max_concurrent_requests} "
                "allowed for this partner stayed busy until this attempt's deadline.",
                delivery=Delivery.NOT_SENT,
            ) from None
        except CircuitRefused:
            raise call.error(
                CircuitOpen,
                "Paused after repeated failures; calls resume after a cool-down of "
                f"{self._limits.policy.cooldown_seconds:g} s.",
                delivery=Delivery.NOT_SENT,
            ) from None
        except LimitsUnavailable as error:
            raise call.error(
                PartnerUnavailable,
                "The store of concurrency slots and circuit breakers cannot be reached.",
                transient=True,
                delivery=Delivery.NOT_SENT,
            ) from error
        with permit:
            yield permit

    def _exchange(self, call: _Call, token: str | None, deadline: float) -> _Answer:
        """The request and any redirects, each hop checked by the SSRF guard, all before the
        attempt's deadline. Once a byte was written, no error of the attempt says NOT_SENT."""
        with AttemptGuard(deadline) as guard:
            try:
                return self._hops(call, token, guard)
            except PartnerCallError as error:
                if guard.written and error.delivery == Delivery.NOT_SENT:
                    error.delivery = Delivery.UNKNOWN
                raise

    def _hops(self, call: _Call, token: str | None, guard: AttemptGuard) -> _Answer:
        connection = call.connection
        url, method, body, content_type = call.url, call.method, call.body, call.content_type
        origin: tuple[str, str, int] | None = None
        for _ in range(MAX_REDIRECTS + 1):
            destination = self._destination(call, url, guard)
            origin = origin or destination.origin
            on_origin = destination.origin == origin
            # Every header the partner's configuration added stays with the partner's origin.
            headers = {"User-Agent": USER_AGENT, **(call.headers if on_origin else {})}
            if content_type:
                headers["Content-Type"] = content_type
            request = OutgoingRequest(method, destination.target, headers, body)
            if on_origin:
                request = auth_apply(
                    connection,
                    request,
                    operation=call.operation,
                    access_token=token,
                    now=time.time(),
                )
            response = self._urlopen(call, destination, request, guard)
            if guard.cut_off:
                # Headers cut at the deadline end like headers that are complete.
                _discard(response)
                raise self._deadline_error(call, guard, status=response.status)
            if (
                response.status not in REDIRECT_STATUSES
                or response.status in call.accepted_statuses
            ):
                return _Answer(
                    status=response.status,
                    headers={name.lower(): value for name, value in response.headers.itermerged()},
                    body=self._read(call, response, guard),
                )
            location = response.headers.get("Location")
            _discard(response)
            if not call.idempotent:
                raise call.error(
                    PartnerBadResponse,
                    f"The partner redirected this request (HTTP {response.status}); a write is "
                    "never sent again to another address, so whether it was acted on is unknown.",
                    status_code=response.status,
                    delivery=Delivery.UNKNOWN,
                )
            if not location:
                raise call.error(
                    PartnerBadResponse,
                    f"A redirect (HTTP {response.status}) without a Location.",
                    status_code=response.status,
                )
            url = urljoin(url, location)
            if response.status == 303 or (response.status in (301, 302) and method == "POST"):
                method, body, content_type = "GET", b"", None
        raise call.error(PartnerBadResponse, f"More than {MAX_REDIRECTS} redirects.")

    def _destination(self, call: _Call, url: str, guard: AttemptGuard) -> Destination:
        # Resolving is part of connecting: it gets the connect timeout, within the deadline.
        timeout = min(call.connection.connect_timeout_ms / 1000, guard.remaining())
        try:
            return destination_for(url, settings.PARTNER_HOST_ALLOWLIST, resolve_timeout=timeout)
        except DestinationRefused as refusal:
            raise call.error(UnsafeDestination, str(refusal)) from None
        except ResolveTimeout as error:
            raise call.error(
                PartnerTimeout,
                f"The partner's host name did not resolve within {timeout * 1000:.0f} ms.",
                transient=True,
                delivery=Delivery.NOT_SENT,
            ) from error
        except OSError as error:  # socket.gaierror: the name does not resolve
            raise call.error(
                PartnerUnavailable,
                "The partner's host name does not resolve.",
                transient=True,
                delivery=Delivery.NOT_SENT,
            ) from error

    def _urlopen(
        self, call: _Call, destination: Destination, request: OutgoingRequest, guard: AttemptGuard
    ) -> urllib3.BaseHTTPResponse:
        connection = call.connection
        remaining = guard.remaining()
        if remaining <= 0:
            raise self._deadline_error(call, guard, status=None)
        pool = pinned_pool(self._pools if call.idempotent else self._write_pools, destination)
        try:
            return pool.urlopen(
                request.method,
                request.target,
                body=request.body or None,
                headers={**request.headers, "Host": destination.host_header},
                retries=False,
                redirect=False,
                assert_same_host=False,
                timeout=Timeout(
                    connect=min(connection.connect_timeout_ms / 1000, remaining),
                    read=min(connection.read_timeout_ms / 1000, remaining),
                ),
                preload_content=False,
            )
        except urllib3.exceptions.HTTPError as error:
            raise self._transport_error(call, error, status=None, guard=guard) from error
        except ValueError as error:
            # http.client refuses a bad header name or value before sending anything; its
            # message may quote the value.
            raise call.error(
                PartnerHttpError,
                "The request has an invalid header name or value.",
                delivery=Delivery.NOT_SENT,
            ) from error

    def _read(self, call: _Call, response: urllib3.BaseHTTPResponse, guard: AttemptGuard) -> bytes:
        try:
            body = self._read_capped(call, response, guard)
        except BaseException:
            _discard(response)
            raise
        response.release_conn()
        return body

    def _read_capped(
        self, call: _Call, response: urllib3.BaseHTTPResponse, guard: AttemptGuard
    ) -> bytes:
        limit_kb = call.connection.max_response_kb
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit_kb * 1024:
            raise call.error(
                PartnerResponseTooLarge,
                f"The answer is {int(declared) // 1024} KB, over this partner's {limit_kb} KB "
                "limit.",
                status_code=response.status,
            )
        received = bytearray()
        try:
            while chunk := response.read1(READ_CHUNK_BYTES):
                received += chunk
                if len(received) > limit_kb * 1024:
                    raise call.error(
                        PartnerResponseTooLarge,
                        f"The answer is over this partner's {limit_kb} KB limit.",
                        status_code=response.status,
                    )
                if guard.expired:
                    raise self._deadline_error(call, guard, status=response.status)
        except urllib3.exceptions.HTTPError as error:
            raise self._transport_error(call, error, status=response.status, guard=guard) from error
        if guard.cut_off:
            # A body without a length ends when the connection does: a cut-off one looks whole.
            raise self._deadline_error(call, guard, status=response.status)
        return bytes(received)

    def _deadline_error(
        self, call: _Call, guard: AttemptGuard, *, status: int | None
    ) -> PartnerCallError:
        return call.error(
            PartnerTimeout,
            _deadline_message(call.connection),
            status_code=status,
            transient=True,
            delivery=guard.delivery_without_answer,
        )

    def _transport_error(
        self,
        call: _Call,
        error: urllib3.exceptions.HTTPError,
        *,
        status: int | None,
        guard: AttemptGuard,
    ) -> PartnerCallError:
        """What a failure on the wire means. Without a complete answer, delivery is what the
        attempt wrote (an answer's status does not make an unfinished body an answer)."""
        connection = call.connection
        if isinstance(error, DecodeError):
            return call.error(
                PartnerBadResponse,
                "The answer could not be decoded.",
                status_code=status,
                delivery=Delivery.ANSWERED,
            )
        if guard.expired:
            return self._deadline_error(call, guard, status=status)
        no_answer = guard.delivery_without_answer
        # NewConnectionError subclasses ConnectTimeoutError, so it is tested first.
        if isinstance(error, NewConnectionError):
            return call.error(
                PartnerUnavailable,
                "Could not connect to the partner.",
                transient=True,
                delivery=no_answer,
            )
        if isinstance(error, ConnectTimeoutError):
            return call.error(
                PartnerTimeout,
                f"No connection within {connection.connect_timeout_ms} ms.",
                transient=True,
                delivery=no_answer,
            )
        if isinstance(error, ReadTimeoutError):
            return call.error(
                PartnerTimeout,
                f"No answer within {connection.read_timeout_ms} ms.",
                status_code=status,
                transient=True,
                delivery=no_answer,
            )
        if isinstance(error, SSLError):
            return call.error(
                PartnerUnavailable,
                "The TLS connection failed: the handshake failed or the certificate is not "
                "valid for this host.",
                status_code=status,
                delivery=no_answer,
            )
        if isinstance(error, ProtocolError):
            return call.error(
                PartnerUnavailable,
                "The connection broke before the answer was complete.",
                status_code=status,
                transient=True,
                delivery=no_answer,
            )
        return call.error(
            PartnerUnavailable,
            f"HTTP failure ({type(error).__name__}).",
            status_code=status,
            delivery=no_answer,
        )

    def _raise_for_status(self, call: _Call, answer: _Answer) -> None:
        status = answer.status
        if status < 300 or status in call.accepted_statuses:
            return
        if status in (401, 403):
            raise call.error(
                PartnerAuthFailed,
                f"The partner refused our credentials (HTTP {status}).",
                status_code=status,
            )
        if status == 429:
            raise call.error(
                PartnerRateLimited,
                "The partner is limiting our request rate (HTTP 429).",
                status_code=status,
                transient=True,
                retry_after=retry_after_seconds(answer.headers.get("retry-after")),
            )
        if status >= 500:
            raise call.error(
                PartnerUnavailable,
                f"The partner failed to answer (HTTP {status}).",
                status_code=status,
                transient=status in RETRYABLE_STATUSES,
            )
        raise call.error(
            PartnerHttpError, f"The partner answered HTTP {status}.", status_code=status
        )

    def _token_renewable(self, call: _Call, error: PartnerCallError, progress: _Progress) -> bool:
        return (
            call.connection.auth_type == Partner.AuthType.OAUTH2_CLIENT_CREDENTIALS
            and isinstance(error, PartnerAuthFailed)
            and error.status_code == 401
            and not progress.token_renewed
        )


def _outcome_for(status: int, accepted: frozenset[int]) -> str:
    """A status the caller handles (e.g. 409 answered with the original order) is not an error."""
    if status == 404:
        return Outcome.NOT_FOUND
    return Outcome.HTTP_ERROR if status >= 400 and status not in accepted else Outcome.OK


def _deadline_message(connection: PartnerConnection) -> str:
    total_ms = connection.connect_timeout_ms + connection.read_timeout_ms
    return (
        f"No complete answer before the attempt's deadline ({total_ms} ms: connect + read timeout)."
    )


def _fits(budget: CallBudget, operation_deadline: float, *, wait: float) -> bool:
    """May another attempt start after `wait` seconds? Only if all of it fits before the
    operation's deadline: a retry that would be cut short is not started."""
    return time.monotonic() + wait + budget.attempt_seconds <= operation_deadline


def _discard(response: urllib3.BaseHTTPResponse) -> None:
    """Give the connection back closed: an unread body must not be read by the next request."""
    response.close()
    response.release_conn()


def _milliseconds_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


_shared_client: PartnerHttpClient | None = None
_shared_client_lock = threading.Lock()


def partner_http_client() -> PartnerHttpClient:
    """The process-wide client (pools, breakers and caps are only useful shared)."""
    global _shared_client
    with _shared_client_lock:
        if _shared_client is None:
            _shared_client = PartnerHttpClient()
        return _shared_client
