"""An import locks the partner's row from its read to its write: a status change or another
import made meanwhile waits for it, so nothing is undone and no configuration version (which
also keys the OAuth2 token cache) is given to two configurations.

Each test stops an import between reading the partner and writing it, runs the competing change
in another thread until it has either finished (the bug) or is waiting for the row lock (the
fix), then lets the import go on. Row locks need PostgreSQL."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from partners.models import Partner
from partners.sandbox.catalog import PartnerName
from partners.sandbox.onboarding import sandbox_config
from partners.services import partner_config_import, partner_status_change
from tests.conftest import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

STEP_SECONDS = 30


class InThread:
    """Run `work` in a thread with its own database connection; keep its result or error."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(work,), daemon=True)
        self.thread.start()

    def _run(self, work: Callable[[], Any]) -> None:
        try:
            self.result = work()
        except BaseException as error:  # handed to the test, which asserts on it
            self.error = error
        finally:
            connection.close()
            self.done.set()

    def outcome(self) -> Any:
        self.thread.join(STEP_SECONDS)
        assert not self.thread.is_alive(), "the thread did not finish"
        if self.error is not None:
            raise self.error
        return self.result


@pytest.fixture
def paused_import(monkeypatch):
    """Start an import that stops right after it has read the partner (at its first
    `Partner.full_clean`, which checks the file's values on the row it read) until released."""
    reached, release = threading.Event(), threading.Event()
    full_clean = Partner.full_clean
    paused: list[threading.Thread] = []

    def pausing_full_clean(partner: Partner, *args, **kwargs) -> None:
        if threading.current_thread() in paused and not reached.is_set():
            reached.set()
            release.wait(STEP_SECONDS)
        full_clean(partner, *args, **kwargs)

    monkeypatch.setattr(Partner, "full_clean", pausing_full_clean)

    def start(data: dict) -> tuple[InThread, threading.Event]:
        running = InThread(lambda: partner_config_import(data=data))
        paused.append(running.thread)
        assert reached.wait(STEP_SECONDS), "the import did not reach its pause"
        return running, release

    yield start
    release.set()


def waiting_for_a_row_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def finished_or_waiting(competitor: InThread) -> None:
    wait_for(lambda: competitor.done.is_set() or waiting_for_a_row_lock(), seconds=STEP_SECONDS)


def versions_in_history(partner: Partner) -> list[int]:
    return list(
        Partner.history.filter(id=partner.pk)
        .order_by("history_id")
        .values_list("config_version", flat=True)
    )


def threadline(**changes) -> dict:
    data = sandbox_config(PartnerName.THREADLINE)
    data["partner"].update(changes)
    return data


def test_a_status_change_during_an_import_is_kept_and_the_import_gets_its_own_version(
    paused_import,
):
    partner = partner_config_import(data=threadline())
    partner = partner_status_change(partner=partner, status=Partner.Status.TESTING)
    assert partner.config_version == 2  # a status change keeps the version (ADR 0014)

    importing, release = paused_import(threadline(name="Threadline Europe"))
    status_change = InThread(
        lambda: partner_status_change(partner=partner, status=Partner.Status.DRAFT)
    )
    finished_or_waiting(status_change)
    release.set()
    imported, changed = importing.outcome(), status_change.outcome()

    partner.refresh_from_db()
    assert (partner.name, partner.status, partner.config_version) == (
        "Threadline Europe",
        Partner.Status.DRAFT,
        3,
    )
    # the status change waited for the import and saw its version
    assert (imported.config_version, changed.config_version) == (3, 3)
    assert versions_in_history(partner) == [2, 2, 3, 3]


def test_two_imports_at_once_each_get_their_own_version(paused_import):
    partner = partner_config_import(data=threadline())

    first, release = paused_import(threadline(name="Threadline First"))
    second = InThread(lambda: partner_config_import(data=threadline(name="Threadline Second")))
    finished_or_waiting(second)
    release.set()
    versions = sorted([first.outcome().config_version, second.outcome().config_version])

    partner.refresh_from_db()
    assert versions == [3, 4]
    assert (partner.name, partner.config_version) == ("Threadline Second", 4)
    assert versions_in_history(partner) == [2, 3, 4]


def test_two_imports_creating_one_slug_at_once_create_it_once_and_the_other_is_told(
    paused_import,
):
    first, release = paused_import(threadline(name="Threadline First"))
    second = InThread(lambda: partner_config_import(data=threadline(name="Threadline Second")))
    finished_or_waiting(second)
    release.set()

    with pytest.raises(ValidationError) as refused:
        first.outcome()
    created = second.outcome()

    assert refused.value.messages == [
        "partner · slug: threadline was created while this file was imported; import it "
        "again to update that partner."
    ]
    assert list(Partner.objects.values_list("pk", "name", "config_version")) == [
        (created.pk, "Threadline Second", 2)
    ]
    assert created.operations.count() == 6
