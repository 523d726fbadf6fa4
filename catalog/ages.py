"""How old something is, in the words the pages use: "just now", "40 s ago", "3 min ago",
then Django's "2 hours, 5 minutes ago"."""

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.timesince import timesince

JUST_NOW = timedelta(seconds=5)


def age_text(age: timedelta) -> str:
    seconds = int(age.total_seconds())
    if age < JUST_NOW:
        return "just now"
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 60 * 60:
        return f"{seconds // 60} min ago"
    return f"{timesince(timezone.now() - age)} ago"


def ago(moment: datetime, now: datetime | None = None) -> str:
    return age_text((now or timezone.now()) - moment)
