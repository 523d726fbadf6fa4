"""Pages of the project itself rather than of an app."""

from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def demo_ca_certificate(request: HttpRequest) -> HttpResponse:
    """The HTTPS demo's certificate authority, for a tablet to install and trust
    (docs/https-demo.md). Public by nature: it is what the tablet checks the demo against. Not
    found unless the demo runs with HTTPS; production never sets it."""
    if not settings.DEMO_TLS_CA_CERTIFICATE:
        raise Http404("The demo is not running with HTTPS.")
    try:
        certificate = Path(settings.DEMO_TLS_CA_CERTIFICATE).read_bytes()
    except OSError as error:
        raise Http404("The demo's certificate authority is missing.") from error
    return HttpResponse(
        certificate,
        content_type="application/x-x509-ca-cert",
        headers={"Content-Disposition": 'attachment; filename="endless-aisle-demo-ca.crt"'},
    )
