"""Slots and circuits in Redis: the production option that keeps these writes off the database.

A partner's slots are one sorted set of call tokens scored by the time their lease ends; a
call takes a slot with one Lua script that drops ended leases, counts the rest against the
cap and adds its own (Redis runs a script atomically, so no two calls can both take the last
slot). A circuit is one hash per partner and configuration version. Every call costs two round
trips: the take, and one script that gives the slot back (and, after a success that followed
failures, zeroes their count). Circuit changes (failures, probes) are read, decided in Python
by the same rules as the database backend's, and written with WATCH/MULTI, retried if another
process wrote between the read and the write.

Every key expires on its own: a slot set when its last lease would have ended, a circuit a day
after its last change (a partner idle that long starts closed). Use a Redis that does not
evict keys under memory pressure (maxmemory-policy noeviction): an evicted slot set would let
calls over the cap.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict

import redis
from redis.exceptions import RedisError, WatchError

from partners.http.connection import PartnerConnection
from partners.http.limits.admission import LimitsUnavailable, PartnerLimits, T, Take
from partners.http.limits.circuit import CLOSED, BreakerPolicy, Circuit, CircuitState

CIRCUIT_TTL_SECONDS = 24 * 60 * 60
SOCKET_TIMEOUT_SECONDS = 1.0

# KEYS: slots, circuit. ARGV: token, now, expires_at, cap, closed_only (1/0), lease in ms.
# Returns 1 (taken), 3 (taken, and the circuit had counted failures), 0 (every slot taken) or
# 2 (the circuit is not closed).
TAKE_SCRIPT = """
if ARGV[5] == '1' then
  local state = redis.call('HGET', KEYS[2], 'state')
  if state and state ~= 'closed' then return 2 end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[6]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
end
if tonumber(redis.call('HGET', KEYS[2], 'failures') or '0') > 0 then return 3 end
return 1
"""

# KEYS: slots, circuit. ARGV: token, reset_failures (1/0). Returns 1 if the slot was still held.
GIVE_BACK_SCRIPT = """
local held = redis.call('ZREM', KEYS[1], ARGV[1])
if ARGV[2] == '1' and redis.call('HGET', KEYS[2], 'state') == 'closed'
    and tonumber(redis.call('HGET', KEYS[2], 'failures') or '0') > 0 then
  redis.call('HSET', KEYS[2], 'failures', 0)
end
return held
"""


class RedisLimits(PartnerLimits):
    """Slots and circuits under `prefix` in the Redis at `url` (one connection pool per
    instance: share the instance). Redis errors become LimitsUnavailable."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str,
        policy: BreakerPolicy | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(policy=policy, clock=clock, sleep=sleep)
        self._redis = redis.Redis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT_SECONDS,
            socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
            decode_responses=True,
        )
        self._prefix = prefix
        self._take_script = self._redis.register_script(TAKE_SCRIPT)
        self._give_back_script = self._redis.register_script(GIVE_BACK_SCRIPT)

    def _slot_take(
        self,
        connection: PartnerConnection,
        token: str,
        *,
        now: float,
        expires_at: float,
        closed_only: bool,
    ) -> Take | Circuit:
        lease_ms = max(1, round((expires_at - now) * 1000))
        try:
            taken = self._take_script(
                keys=[self._slots_key(connection), self._circuit_key(connection)],
                args=[
                    token,
                    repr(now),
                    repr(expires_at),
                    connection.max_concurrent_requests,
                    int(closed_only),
                    lease_ms,
                ],
            )
        except RedisError as error:
            raise LimitsUnavailable(str(error)) from error
        if taken == 2:
            return self._circuit_read(connection)
        return {1: Take.TAKEN, 3: Take.TAKEN_AFTER_FAILURES}.get(taken, Take.BUSY)

    def _slot_give_back(
        self, connection: PartnerConnection, token: str, *, reset_failures: bool
    ) -> bool:
        try:
            held = self._give_back_script(
                keys=[self._slots_key(connection), self._circuit_key(connection)],
                args=[token, int(reset_failures)],
            )
        except RedisError as error:
            raise LimitsUnavailable(str(error)) from error
        return held == 1

    def _circuit_read(self, connection: PartnerConnection) -> Circuit:
        try:
            stored = self._redis.hgetall(self._circuit_key(connection))
        except RedisError as error:
            raise LimitsUnavailable(str(error)) from error
        return _circuit_of(stored)

    def _circuit_change(
        self, connection: PartnerConnection, change: Callable[[Circuit], tuple[T, Circuit]]
    ) -> T:
        key = self._circuit_key(connection)
        try:
            with self._redis.pipeline() as pipe:
                while True:
                    try:
                        pipe.watch(key)
                        before = _circuit_of(pipe.hgetall(key))
                        result, after = change(before)
                        if after != before:
                            pipe.multi()
                            pipe.hset(key, mapping=_stored(after))
                            pipe.expire(key, CIRCUIT_TTL_SECONDS)
                            pipe.execute()
                        else:
                            pipe.unwatch()
                        return result
                    except WatchError:
                        continue  # another process changed it between our read and write
        except RedisError as error:
            raise LimitsUnavailable(str(error)) from error

    # The partner id in braces is a Redis Cluster hash tag: a script's two keys must live on
    # the same shard.

    def _slots_key(self, connection: PartnerConnection) -> str:
        return f"{self._prefix}{{{connection.partner_id}}}:slots"

    def _circuit_key(self, connection: PartnerConnection) -> str:
        return f"{self._prefix}{{{connection.partner_id}}}:circuit:{connection.config_version}"


def _stored(circuit: Circuit) -> dict[str, str]:
    return {name: str(value) for name, value in asdict(circuit).items()}


def _circuit_of(stored: dict[str, str]) -> Circuit:
    if not stored:
        return CLOSED
    return Circuit(
        state=CircuitState(stored["state"]),
        failures=int(stored["failures"]),
        opened_at=float(stored["opened_at"]),
        probe_token=stored["probe_token"],
        probe_expires_at=float(stored["probe_expires_at"]),
    )
