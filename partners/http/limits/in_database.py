"""Slots and circuits in the database: the demo's and the tests' backend, where web and worker
processes share the database, and a production option on PostgreSQL.

The common case, a free slot and a closed circuit, costs two statements: one UPDATE takes a
slot if the circuit is closed (and returns the circuit's failure count), one gives it back. A
success after failures adds one to zero the count. Slot rows are created the first time a
partner needs them. On PostgreSQL the tables are UNLOGGED, so no statement waits for a disk
flush, and the UPDATE picks its slot with `FOR UPDATE SKIP LOCKED`, so callers arriving
together take different slots instead of queueing on one row; the UPDATE re-checks that the
slot is free, so no slot ever has two holders. SQLite serialises writers (transaction_mode
IMMEDIATE), which gives the same guarantee.

Every statement commits at once, in the caller's connection and outside any transaction. A
call made inside the caller's own transaction is refused: its lease would stay invisible to
other processes until that transaction commits (and no transaction should stay open while a
partner answers). A test case's transaction is allowed, as it is for Django's durable blocks:
the whole test runs in one process.

These writes are infrastructure on every partner call, not a use case, which is why they live
here rather than in `partners/services.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from partners.http.connection import PartnerConnection
from partners.http.limits.admission import PartnerLimits, T, Take
from partners.http.limits.circuit import CLOSED, Circuit, CircuitState
from partners.models import PartnerCircuit, PartnerSlot

IN_TRANSACTION_MESSAGE = (
    "A partner call cannot be made inside a database transaction: its concurrency slot must "
    "be visible to other processes at once, and a transaction must not stay open while a "
    "partner answers. Call the partner before the transaction, or after it (on_commit)."
)


class DatabaseLimits(PartnerLimits):
    """Slots in `PartnerSlot`, circuits in `PartnerCircuit`, on the default database."""

    def _slot_take(
        self,
        connection: PartnerConnection,
        token: str,
        *,
        now: float,
        expires_at: float,
        closed_only: bool,
    ) -> Take | Circuit:
        if taken := self._take(
            connection, token, now=now, expires_at=expires_at, closed_only=closed_only
        ):
            return taken
        circuit_state, slots_exist = self._why_not_taken(connection)
        if closed_only and circuit_state not in (None, CircuitState.CLOSED):
            return self._circuit_read(connection)
        if not slots_exist:
            with self._statement():
                PartnerSlot.objects.bulk_create(
                    [
                        PartnerSlot(partner_id=connection.partner_id, number=number)
                        for number in range(connection.max_concurrent_requests)
                    ],
                    ignore_conflicts=True,
                )
            if taken := self._take(
                connection, token, now=now, expires_at=expires_at, closed_only=closed_only
            ):
                return taken
        return Take.BUSY

    def _slot_give_back(
        self, connection: PartnerConnection, token: str, *, reset_failures: bool
    ) -> bool:
        with self._statement() as database, database.cursor() as cursor:
            # Raw SQL on the hot path: building the ORM's UPDATE cost as much as running it.
            slots = database.ops.quote_name(PartnerSlot._meta.db_table)
            cursor.execute(
                f"UPDATE {slots} SET holder = '', expires_at = 0 "  # noqa: S608 - table name
                "WHERE partner_id = %s AND holder = %s",
                [connection.partner_id, token],
            )
            held = cursor.rowcount
            if reset_failures:
                self._circuits(connection).filter(state=CircuitState.CLOSED, failures__gt=0).update(
                    failures=0
                )
        return held == 1

    def _circuit_read(self, connection: PartnerConnection) -> Circuit:
        with self._statement():
            row = self._circuits(connection).first()
        return CLOSED if row is None else _circuit_of(row)

    def _circuit_change(
        self, connection: PartnerConnection, change: Callable[[Circuit], tuple[T, Circuit]]
    ) -> T:
        circuits = self._circuits(connection)
        with self._transaction():
            row = circuits.select_for_update().first()
            if row is None:
                # A version's first change; older versions' circuits are done with. Inserted
                # without a conflict error, since another process may be inserting it too.
                PartnerCircuit.objects.filter(
                    partner_id=connection.partner_id,
                    config_version__lt=connection.config_version,
                ).delete()
                PartnerCircuit.objects.bulk_create(
                    [
                        PartnerCircuit(
                            partner_id=connection.partner_id,
                            config_version=connection.config_version,
                        )
                    ],
                    ignore_conflicts=True,
                )
                row = circuits.select_for_update().get()
            before = _circuit_of(row)
            result, after = change(before)
            if after != before:
                for name, value in asdict(after).items():
                    setattr(row, name, value)
                row.save()
        return result

    # --- Statements ---

    def _take(
        self,
        connection: PartnerConnection,
        token: str,
        *,
        now: float,
        expires_at: float,
        closed_only: bool,
    ) -> Take | None:
        """One UPDATE, in raw SQL because the ORM refuses `FOR UPDATE` outside a transaction
        (a transaction would cost two more round trips) and cannot return a value from it."""
        with self._statement() as database:
            slots = database.ops.quote_name(PartnerSlot._meta.db_table)
            circuits = database.ops.quote_name(PartnerCircuit._meta.db_table)
            skip_locked = (
                " FOR UPDATE SKIP LOCKED"
                if database.features.has_select_for_update_skip_locked
                else ""
            )
            partner, cap = connection.partner_id, connection.max_concurrent_requests
            # The slot: the lowest free one under the cap. Refused while a call holds a slot
            # at or above the cap (the cap was lowered), and, for all but a probe, unless the
            # circuit is closed.
            sql = (
                f"UPDATE {slots} SET holder = %s, expires_at = %s "  # noqa: S608 - table names
                f"WHERE id = (SELECT id FROM {slots} "
                "WHERE partner_id = %s AND number < %s AND (holder = '' OR expires_at <= %s) "
                f"ORDER BY number LIMIT 1{skip_locked}) "
                "AND (holder = '' OR expires_at <= %s) "
                f"AND NOT EXISTS (SELECT 1 FROM {slots} "
                "WHERE partner_id = %s AND number >= %s AND holder <> '' AND expires_at > %s)"
            )
            params: list[object] = [token, expires_at, partner, cap, now, now, partner, cap, now]
            if closed_only:
                sql += (
                    f" AND NOT EXISTS (SELECT 1 FROM {circuits} "  # noqa: S608 - table names
                    "WHERE partner_id = %s AND config_version = %s AND state <> %s)"
                )
                params += [partner, connection.config_version, CircuitState.CLOSED.value]
            sql += (
                f" RETURNING (SELECT failures FROM {circuits} "  # noqa: S608 - table names
                "WHERE partner_id = %s AND config_version = %s)"
            )
            params += [partner, connection.config_version]
            with database.cursor() as cursor:
                cursor.execute(sql, params)
                taken = cursor.fetchone()
        if taken is None:
            return None
        return Take.TAKEN_AFTER_FAILURES if taken[0] else Take.TAKEN

    def _why_not_taken(self, connection: PartnerConnection) -> tuple[str | None, bool]:
        """The circuit's state (None: no row, so closed) and whether the partner's slot rows
        exist up to its cap (they are created together, so the top one tells)."""
        with self._statement() as database:
            slots = database.ops.quote_name(PartnerSlot._meta.db_table)
            circuits = database.ops.quote_name(PartnerCircuit._meta.db_table)
            with database.cursor() as cursor:
                cursor.execute(
                    f"SELECT (SELECT state FROM {circuits} "  # noqa: S608 - table names
                    "WHERE partner_id = %s AND config_version = %s), "
                    f"EXISTS (SELECT 1 FROM {slots} WHERE partner_id = %s AND number = %s)",
                    [
                        connection.partner_id,
                        connection.config_version,
                        connection.partner_id,
                        connection.max_concurrent_requests - 1,
                    ],
                )
                state, slots_exist = cursor.fetchone()
        return state, bool(slots_exist)

    def _circuits(self, connection: PartnerConnection):
        return PartnerCircuit.objects.filter(
            partner_id=connection.partner_id, config_version=connection.config_version
        )

    # --- Transactions ---

    @contextmanager
    def _statement(self) -> Iterator[BaseDatabaseWrapper]:
        """The connection for statements that each commit on their own: as they are, in
        autocommit; inside a transaction, only where a durable block would be allowed."""
        database = connections[router.db_for_write(PartnerSlot)]
        if not database.in_atomic_block:
            yield database
            return
        with self._transaction():
            yield database

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with ExitStack() as stack:
            try:
                stack.enter_context(
                    transaction.atomic(using=router.db_for_write(PartnerSlot), durable=True)
                )
            except RuntimeError as error:
                raise RuntimeError(IN_TRANSACTION_MESSAGE) from error
            yield


def _circuit_of(row: PartnerCircuit) -> Circuit:
    return Circuit(
        state=CircuitState(row.state),
        failures=row.failures,
        opened_at=row.opened_at,
        probe_token=row.probe_token,
        probe_expires_at=row.probe_expires_at,
    )
