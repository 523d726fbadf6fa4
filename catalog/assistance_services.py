"""Writes for the kiosk's "call an associate" hand-off (see `catalog.models.AssistanceRequest`)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from catalog.models import AssistanceRequest
from catalog.search import search_query_clean
from partners.mapping.gtin import GtinError, gtin_normalise
from stores.models import Store

# A kiosk is a shared screen anyone can press: past this many open requests a store's
# associates have enough to do, and a new one is refused rather than piling up unseen.
OPEN_REQUESTS_MAX = 20


class AssistanceRefused(ValueError):
    """Why a request for help was not recorded, in words for the customer."""


@transaction.atomic
def assistance_request_make(
    *, store: Store, gtin14: str = "", query: str = ""
) -> AssistanceRequest:
    """Record that a customer at `store` wants help with an item (`gtin14`) or a search
    (`query`): exactly one of them. Pressing again while an associate is on the way records
    nothing new (a lapsed request does not count: pressing again makes a new one).
    AssistanceRefused for a bad code or query, or too many requests waiting."""
    if bool(gtin14) == bool(query):
        raise AssistanceRefused("Ask about one item or one search.")
    try:
        gtin14 = gtin_normalise(gtin14).gtin14 if gtin14 else ""
        query = search_query_clean(query) if query else ""
    except (GtinError, ValueError) as error:
        raise AssistanceRefused(str(error)) from None
    open_requests = AssistanceRequest.objects.filter(store=store).waiting()
    existing = open_requests.filter(gtin14=gtin14, query=query).first()
    if existing is not None:
        return existing
    if open_requests.count() >= OPEN_REQUESTS_MAX:
        raise AssistanceRefused(
            "Our associates are helping other customers: please ask at the counter."
        )
    return AssistanceRequest.objects.create(store=store, gtin14=gtin14, query=query)


@transaction.atomic
def assistance_request_handle(
    *, store: Store, request_id: int, user: AbstractBaseUser
) -> AssistanceRequest:
    """Mark one of `store`'s requests handled by `user` (once: a second associate pressing
    "handled" changes nothing). AssistanceRequest.DoesNotExist for another store's request."""
    request = AssistanceRequest.objects.select_for_update().get(store=store, pk=request_id)
    if request.handled_at is None:
        request.handled_at = timezone.now()
        request.handled_by = user
        request.save(update_fields=["handled_at", "handled_by"])
    return request
