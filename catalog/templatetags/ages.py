from datetime import datetime

from django import template

from catalog.ages import ago as ago_text

register = template.Library()


@register.filter
def ago(moment: datetime | None) -> str:
    """`{{ line.checked_at|ago }}` gives "just now", "40 s ago" or "3 min ago"."""
    return "" if moment is None else ago_text(moment)
