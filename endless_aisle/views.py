"""Pages of the project itself rather than of an app."""

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def demo_ca_certificate(request: HttpRequest) -> HttpResponse:
    """The HTTPS demo's certificate authority, for a tablet to install and trust
    (docs/https-demo.md). Public by nature: it is what the tablet checks the demo against. Not
    found unless the demo runs with HTTPS; production never sets it. Only the certificate read
    from the file is sent, never the file itself: a setting that names a key, or a PEM bundle
    of certificate and key, must not put a private key on the network."""
    if not settings.DEMO_TLS_CA_CERTIFICATE:
        raise Http404("The demo is not running with HTTPS.")
    try:
        pem = Path(settings.DEMO_TLS_CA_CERTIFICATE).read_bytes()
        certificate = x509.load_pem_x509_certificate(pem)
    except OSError as error:
        raise Http404("The demo's certificate authority is missing.") from error
    except ValueError as error:
        raise Http404("The demo's certificate authority file holds no certificate.") from error
    return HttpResponse(
        certificate.public_bytes(serialization.Encoding.PEM),
        content_type="application/x-x509-ca-cert",
        headers={"Content-Disposition": 'attachment; filename="endless-aisle-demo-ca.crt"'},
    )
