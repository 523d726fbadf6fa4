from urllib.parse import urlsplit

from django import template

register = template.Library()

# The status words carry the meaning; the badge's colour repeats it (static/css/app.css).
BADGE_BY_STATUS = {
    "accepted": "badge-ok",
    "shipped": "badge-ok",
    "delivered": "badge-ok",
    "partially_shipped": "badge-ok",
    "needs_review": "badge-warn",
    "partially_rejected": "badge-warn",
    "failed": "badge-danger",
    "rejected": "badge-danger",
    "cancelled": "badge-danger",
}


@register.filter
def status_badge(status: str) -> str:
    """`class="badge {{ order.status|status_badge }}"`: the colour class of a status."""
    return BADGE_BY_STATUS.get(status, "")


@register.filter
def web_link(url: str) -> str:
    """The URL when it is an http(s) address, else "": a tracking URL comes from a partner,
    and a `javascript:` or `data:` one must never become a link."""
    try:
        parts = urlsplit(url or "")
    except ValueError:
        return ""
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else ""
