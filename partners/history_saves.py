"""One save, one history entry: every historical row written while a save is open carries that
save's id, so the partner's History page groups a partner's row, its operations' rows and its
credentials' row into one entry, however many writes the save took (a form save writes the
partner, then its operations, then bumps the version).

A save opens per web request (`HistorySaveMiddleware`) and in each service that writes several
rows (`history_saved`); the outermost one wins. A row written with no save open gets an id of
its own.
"""

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import ParamSpec, TypeVar

from django.db import models
from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record

_current_save: ContextVar[str | None] = ContextVar("history_save", default=None)

P = ParamSpec("P")
R = TypeVar("R")


class SaveMarkedHistory(models.Model):
    """Base of the partner app's historical models: the save each row belongs to."""

    history_save = models.CharField(max_length=32, blank=True, db_index=True)

    class Meta:
        abstract = True


@contextmanager
def history_save() -> Iterator[str]:
    """Group the history rows written inside into one save (joins a save already open)."""
    current = _current_save.get()
    if current is not None:
        yield current
        return
    token = _current_save.set(uuid.uuid4().hex)
    try:
        yield _current_save.get()
    finally:
        _current_save.reset(token)


def history_saved(function: Callable[P, R]) -> Callable[P, R]:
    """A service whose writes are one save in the history."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with history_save():
            return function(*args, **kwargs)

    return wrapper


class HistorySaveMiddleware:
    """Everything one web request writes is one save."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with history_save():
            return self.get_response(request)


@receiver(pre_create_historical_record)
def _mark_save(sender, history_instance, **kwargs) -> None:
    if isinstance(history_instance, SaveMarkedHistory):
        history_instance.history_save = _current_save.get() or uuid.uuid4().hex
