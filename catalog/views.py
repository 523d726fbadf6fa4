from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from catalog.assistance_services import (
    AssistanceRefused,
    assistance_request_handle,
    assistance_request_make,
)
from catalog.codes import code_resolve
from catalog.image_proxy import (
    CACHE_SECONDS,
    CONTENT_SECURITY_POLICY,
    ImageUnavailable,
    image_fetch,
    image_url_of,
)
from catalog.models import AssistanceRequest
from catalog.product_view import VariantChoice, product_page, routed_partner_ids
from catalog.search import QUERY_MAX_CHARS
from catalog.search_view import search_page
from catalog.selectors import (
    HEALTH_WINDOW,
    assistance_requests_open,
    partners_health,
    scans_recent,
)
from catalog.services import scan_record
from catalog.similar_view import similar_for
from partners.mapping.gtin import GtinError, gtin_normalise
from stores.access import user_may
from stores.decorators import store_permission_required
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


# Scanning is the store staff's start point and shows what the store looked up lately; kiosks
# (browse only) find items by name instead, so the page asks for the staff's permission.
@store_permission_required(Perm.PLACE_ORDERS)
@require_http_methods(["GET", "POST"])
def scan(request: HttpRequest) -> HttpResponse:
    """A scanned or typed code: a resolved one goes to its product page; anything else is
    said on this page, with the field kept for the next try."""
    entered, problem = "", None
    if request.method == "POST":
        resolved = code_resolve(request.POST.get("code", ""))
        if resolved.resolved:
            gtin14 = resolved.gtins[0].gtin14
            scan_record(
                store=request.store, user=request.user, entered=resolved.entered, gtin14=gtin14
            )
            url = reverse("catalog:product", args=[gtin14])
            if resolved.partner_ids:
                url += "?" + urlencode({"partner": sorted(resolved.partner_ids)}, doseq=True)
            return redirect(url)
        entered, problem = resolved.entered, resolved
    return render(
        request,
        "catalog/scan.html",
        {
            "entered": entered,
            "problem": problem,
            "scans": scans_recent(request.store),
            "assistance_requests": assistance_requests_open(request.store),
        },
    )


@store_permission_required(Perm.BROWSE_CATALOG)
@require_http_methods(["GET"])
def product(request: HttpRequest, gtin14: str) -> HttpResponse:
    """What the partners offer of one item, at the store's prices. An htmx request (a variant
    picked, a refresh) gets the page's main part only; without htmx the same links and forms
    load the whole page."""
    try:
        gtin14 = gtin_normalise(gtin14).gtin14
    except GtinError as error:
        raise Http404(f"No such item: {error}.") from None
    routed_to = routed_partner_ids(request.GET.getlist("partner"))
    page = product_page(
        gtin14=gtin14,
        store=request.store,
        shows_costs=user_may(request.user, Perm.VIEW_COSTS),
        routed_to=routed_to,
        selected_gtin14=request.GET.get("variant"),
        refresh=request.GET.get("refresh") == "1",
    )
    template = "catalog/product.html"
    if _htmx(request):
        template = "catalog/product_main.html"
    response = _fragment_or_page(
        request,
        template,
        {
            "page": page,
            # Kiosks browse but never fill carts: they lack the permission the cart asks for.
            "may_add_to_cart": user_may(request.user, Perm.PLACE_ORDERS),
            "back_here": _product_url(gtin14, page.selected, routed_to),
            "routed_to": routed_to,
            "routing": urlencode({"partner": routed_to}, doseq=True),
            "calls_associate": _calls_associate(request),
        },
    )
    if page.shows_costs:
        # On a shared tablet, Back after logging out must not bring costs back from the
        # browser's cache for whoever uses it next.
        patch_cache_control(response, private=True, no_store=True)
    return response


@store_permission_required(Perm.BROWSE_CATALOG)
@require_http_methods(["GET"])
def search(request: HttpRequest) -> HttpResponse:
    """Search the partners by name: one merged page at a time, at the store's prices. A query
    that is too long, or a page link that is not ours, is said on the page, before any
    partner is asked."""
    query = request.GET.get("q", "")
    page, problem = None, None
    if query.strip():
        try:
            page = search_page(
                query=query,
                store=request.store,
                cursor=request.GET.get("after") or None,
                refresh=request.GET.get("refresh") == "1",
            )
        except ValueError as error:  # SearchCursorInvalid is one
            problem = str(error)
    return render(
        request,
        "catalog/search.html",
        {
            "query": query[: QUERY_MAX_CHARS * 2],
            "query_max": QUERY_MAX_CHARS,
            "page": page,
            "problem": problem,
            "calls_associate": _calls_associate(request),
        },
    )


@store_permission_required(Perm.BROWSE_CATALOG)
@require_http_methods(["GET"])
def similar(request: HttpRequest, gtin14: str) -> HttpResponse:
    """Items like this one, for the product page to load after it has shown (htmx gets the
    list only); without htmx, a page of its own."""
    try:
        gtin14 = gtin_normalise(gtin14).gtin14
    except GtinError as error:
        raise Http404(f"No such item: {error}.") from None
    page = product_page(gtin14=gtin14, store=request.store, shows_costs=False)
    context = {"page": page, "similar": similar_for(page, currency=request.store.currency)}
    template = "catalog/similar_list.html" if _htmx(request) else "catalog/similar.html"
    return _fragment_or_page(request, template, context)


@store_permission_required(Perm.BROWSE_CATALOG)
@require_http_methods(["GET"])
def image(request: HttpRequest, token: str) -> HttpResponse:
    """A product image our pages showed, fetched by the server (see `catalog.image_proxy`);
    404 for a token we did not make or an image that cannot be shown."""
    try:
        shown = image_fetch(image_url_of(token))
    except (signing.BadSignature, ImageUnavailable):
        raise Http404("No such image.") from None
    response = HttpResponse(shown.body, content_type=shown.content_type)
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, max_age=CACHE_SECONDS)
    return response


@store_permission_required(Perm.BROWSE_CATALOG)
@require_http_methods(["POST"])
def assistance_request(request: HttpRequest) -> HttpResponse:
    """A customer at the kiosk calls an associate about the item or the search on screen,
    and is sent back to it with word that someone is coming."""
    gtin14, query = request.POST.get("gtin14", ""), request.POST.get("q", "")
    try:
        made = assistance_request_make(store=request.store, gtin14=gtin14, query=query)
    except AssistanceRefused as error:
        messages.error(request, str(error))
        return redirect("catalog:search")
    messages.success(request, "An associate is on the way. Please wait here.")
    if made.gtin14:
        return redirect("catalog:product", made.gtin14)
    return redirect(reverse("catalog:search") + "?" + urlencode({"q": made.query}))


@store_permission_required(Perm.PLACE_ORDERS)
@require_http_methods(["POST"])
def assistance_handled(request: HttpRequest, request_id: int) -> HttpResponse:
    """An associate has gone to help: the request leaves the store's open list."""
    try:
        assistance_request_handle(store=request.store, request_id=request_id, user=request.user)
    except AssistanceRequest.DoesNotExist:
        raise Http404("No such request for help at this store.") from None
    return redirect("catalog:scan")


def _htmx(request: HttpRequest) -> bool:
    """An htmx swap wants a fragment; htmx restoring a page missing from its history cache
    (Back after a variant was picked) sends HX-Request too, but puts the answer in place of
    the whole body, so it needs the full page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def _fragment_or_page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """One URL answers a fragment or the full page by header: say so, or a browser's Back
    (which reuses cached answers) may show the bare fragment fetched for a swap."""
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
    return response


def _calls_associate(request: HttpRequest) -> bool:
    """Whether the page offers "call an associate": to kiosks (who browse but do not serve
    customers), not to the associates themselves."""
    return not user_may(request.user, Perm.PLACE_ORDERS)


def _product_url(gtin14: str, selected: VariantChoice | None, routed_to: list[int]) -> str:
    """This page with its variant picked and its routing: where an add to cart comes back to
    (without a refresh, which would ask the partners again)."""
    query = {"variant": selected.gtin14} if selected and selected.gtin14 else {}
    query |= {"partner": routed_to} if routed_to else {}
    url = reverse("catalog:product", args=[gtin14])
    return f"{url}?{urlencode(query, doseq=True)}" if query else url
