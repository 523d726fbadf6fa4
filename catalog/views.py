from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from catalog.selectors import HEALTH_WINDOW, partners_health
from stores.roles import Perm


@login_required
@permission_required(Perm.VIEW_PARTNER_HEALTH.value, raise_exception=True)
def partners(request: HttpRequest) -> HttpResponse:
    """The partners serving the stores and how their calls went lately. Partners serve every
    store alike, so the page needs no acting store (a merchandiser may have none)."""
    return render(
        request,
        "catalog/partners.html",
        {"partners": partners_health(), "window_minutes": HEALTH_WINDOW.seconds // 60},
    )
