"""`POST /partners/<slug>/webhook/`: where partners push order status. No login and no CSRF
token (partners are not browsers); the partner's signature is the authentication."""

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from orders.webhooks import WebhookRefused, partner_webhook_receive
from partners.webhook_payloads import WEBHOOK_MAX_BODY_BYTES

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def partner_webhook(request: HttpRequest, slug: str) -> JsonResponse:
    # Refuse by the declared length before reading anything.
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > WEBHOOK_MAX_BODY_BYTES:
        return _refused(slug, 413, f"The body must be at most {WEBHOOK_MAX_BODY_BYTES} bytes.")
    try:
        applied = partner_webhook_receive(
            partner_slug=slug,
            headers=request.headers,
            body=request.body,
            content_type=request.content_type or "",
        )
    except WebhookRefused as refused:
        return _refused(slug, refused.status, refused.message)
    logger.info("webhook partner=%s applied=%s status=%s", slug, applied.changed, applied.status)
    return JsonResponse({"applied": applied.changed, "status": applied.status})


def _refused(slug: str, status: int, message: str) -> JsonResponse:
    logger.warning("webhook refused partner=%s status=%d reason=%s", slug, status, message)
    return JsonResponse({"error": message}, status=status)
