"""htmx swaps asked for after the session ended."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url


class HtmxLoginRedirectMiddleware:
    """A size picked at a kiosk whose session timed out: the page's login redirect, followed
    by the browser inside htmx's request, would put the whole login page in place of the
    product's offers. An htmx swap sent to the login page gets an HX-Redirect instead, and the
    browser goes there as a page (and comes back to the item after logging in)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-History-Restore-Request") != "true"
            and response.status_code == 302
            and response["Location"].split("?", 1)[0] == resolve_url(settings.LOGIN_URL)
        ):
            return HttpResponse(headers={"HX-Redirect": response["Location"]})
        return response
