"""The admin page that generates a partner's webhook secret and shows it once.

Not part of the partner's change form: a secret shown in a form page would be sent back with it,
and a generated one must reach the merchandiser exactly once, to hand to the partner.
"""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from partners.facts import WEBHOOK_SECRET
from partners.models import Partner
from partners.webhook_secrets import partner_webhook_secret_generate


def webhook_secret_generate_page(
    model_admin: admin.ModelAdmin, request: HttpRequest, partner: Partner
) -> HttpResponse:
    """GET asks to confirm; POST replaces the stored secret and shows the new one this once."""
    secret = None
    if request.method == "POST":
        secret = partner_webhook_secret_generate(partner=partner)
    # Admin views are never cached (Cache-Control: no-store), so the page is not kept either.
    return TemplateResponse(
        request,
        "admin/partners/partner/webhook_secret.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "original": partner,
            "title": f"Webhook secret: {partner}",
            "secret": secret,
            "uses_webhook": partner.status_delivery == Partner.StatusDelivery.WEBHOOK,
        },
    )


def webhook_secret_help(partner: Partner, stored: dict, *, unreadable: bool) -> str:
    """The write-only field's help: whether a secret is stored, and where to generate one."""
    if unreadable:
        state = "Unreadable with the current keys: enter or generate it again."
    elif stored.get(WEBHOOK_SECRET):
        state = "Stored, never shown again; leave blank to keep it."
    else:
        state = "Not set."
    if partner.pk is None:
        return format_html(
            "{} The secret the partner signs its webhooks with (at least 16 characters); "
            "after saving, you can also generate one.",
            state,
        )
    return format_html(
        "{} The secret the partner signs its webhooks with: type the one it gave you, or "
        '<a href="{}">generate one</a> to hand to it (shown once).',
        state,
        reverse("admin:partners_partner_webhook_secret", args=[partner.pk]),
    )
