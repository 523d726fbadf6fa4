"""Reads of the catalogue app that are more than one line."""

from django.db.models import QuerySet

from partners.models import Partner


def partners_live() -> QuerySet[Partner]:
    """Every live partner with a configuration serving it, by priority: whom a lookup asks
    when the catalogue routes the code to no partner in particular, and whom a search asks."""
    return Partner.objects.filter(status=Partner.Status.LIVE, live_version__isnull=False).order_by(
        "priority", "name"
    )
