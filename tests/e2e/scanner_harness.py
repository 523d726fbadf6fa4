"""A page with the scanner's markup (docs/scanner.md), served by the test's live server with the
real static files, for browser tests of static/js/scanner.js before any product page uses it.
Tests select it with `@pytest.mark.urls("tests.e2e.scanner_harness")`.

/scanner/htmx/ submits through htmx and swaps the answer in; /scanner/page/ is a plain form whose
answer is a new page. Every lookup is recorded in `submissions` as (code, source).
"""

from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path
from django.utils.html import format_html

TEMPLATE = engines["django"].from_string(
    Path(__file__).with_name("scanner_harness.html").read_text()
)

submissions: list[tuple[str, str]] = []


def looked_up(code: str, source: str) -> str:
    return format_html('<p data-testid="looked-up">Looked up {} ({})</p>', code, source)


def scanner_page(request: HttpRequest, mode: str) -> HttpResponse:
    return HttpResponse(TEMPLATE.render({"htmx": mode == "htmx", "result": ""}, request))


def scanner_lookup(request: HttpRequest) -> HttpResponse:
    code, source = request.GET.get("code", ""), request.GET.get("source", "")
    submissions.append((code, source))
    if request.headers.get("HX-Request"):
        return HttpResponse(looked_up(code, source))
    return HttpResponse(
        TEMPLATE.render({"htmx": False, "result": looked_up(code, source)}, request)
    )


urlpatterns = [
    path("scanner/lookup", scanner_lookup, name="scanner-lookup"),
    path("scanner/<str:mode>/", scanner_page, name="scanner-page"),
]
