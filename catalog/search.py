"""Name search across partners, merged and paged; similar items from one partner.

How pages of several partners combine. Every partner pages its results its own way (a page
number, a token, or one page only), so our pages follow theirs:
- Page 1 asks every partner for its first page. The merged page holds all the results of those
  pages, interleaved by position: each partner's first result (partners in the order given,
  e.g. by priority), then each one's second, and so on; results that share a GTIN are one
  product view, as in a lookup.
- The next page asks only the partners that said they have one, each for the page it named, and
  merges them the same way. The cursor carrying those page values is signed, so nobody can make
  us send a partner a page value of their choosing, and is bound to its query.
So a page's length is the sum of the partners' page lengths; a partner not answering on a page
is left out of the pages after it (where its next page starts is unknown); views are merged
within a page, so an item one partner lists on page 1 and another on page 2 shows on both.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.utils import timezone

from catalog.fanout import PartnerOutcome, PartnerRequest, partners_ask
from catalog.offers import PartnerItem, ProductView, SellingPrice, product_views, unpriced
from partners.mapping import Product, SearchPage
from partners.models import Partner
from partners.operations import Operation

QUERY_MAX_CHARS = 100
PRODUCT_ID_MAX_CHARS = 100
CURSOR_MAX_CHARS = 4096
# A partner's page token longer than this is not carried in a cursor: that partner has no
# next page (its answer is untrusted, and the cursor travels in a URL).
PAGE_TOKEN_MAX_CHARS = 200
CURSOR_SALT = "catalog.search.cursor"
_SPACES = re.compile(r"\s+")


class SearchCursorInvalid(ValueError):
    """A cursor that we did not make, or made for another query."""


@dataclass(frozen=True)
class SearchResults:
    query: str
    views: tuple[ProductView, ...]
    outcomes: tuple[PartnerOutcome[SearchPage], ...]
    next_cursor: str | None  # None: this was the last page


def search_query_clean(query: str) -> str:
    """The query with runs of spaces made one; ValueError when empty or too long."""
    text = _SPACES.sub(" ", query).strip() if isinstance(query, str) else ""
    if not text:
        raise ValueError("Type a few words to search for.")
    if len(text) > QUERY_MAX_CHARS:
        raise ValueError(f"A search has at most {QUERY_MAX_CHARS} characters.")
    return text


def catalog_search(
    *,
    query: str,
    partners: Iterable[Partner],
    selling_price: SellingPrice = unpriced,
    cursor: str | None = None,
    refresh: bool = False,
    deadline_seconds: float | None = None,
) -> SearchResults:
    """One merged page of every partner's results for `query`: the first, or the one
    `cursor` (a previous page's `next_cursor`) names. ValueError for a bad query,
    SearchCursorInvalid for a cursor we did not make for this query."""
    query = search_query_clean(query)
    partners = list(partners)
    pages = (
        {partner.pk: 1 for partner in partners} if cursor is None else _cursor_read(cursor, query)
    )
    outcomes = partners_ask(
        [partner for partner in partners if partner.pk in pages],
        lambda partner: _search_request(query, pages[partner.pk]),
        refresh=refresh,
        deadline_seconds=deadline_seconds,
    )
    answered = [outcome for outcome in outcomes if outcome.answered]
    longest = max((len(outcome.answer.products) for outcome in answered), default=0)
    items = [
        PartnerItem(outcome.partner, outcome.answer.products[position], outcome.fetched_at)
        for position in range(longest)
        for outcome in answered
        if position < len(outcome.answer.products)
    ]
    next_pages = {
        outcome.partner.pk: outcome.answer.next_page
        for outcome in answered
        if _page_token_usable(outcome.answer.next_page)
    }
    return SearchResults(
        query=query,
        views=tuple(
            product_views(
                items, quantity=1, selling_price=selling_price, today=timezone.localdate()
            )
        ),
        outcomes=tuple(outcomes),
        next_cursor=_cursor_make(query, next_pages) if next_pages else None,
    )


def similar_items(
    *,
    partner: Partner,
    partner_product_id: str,
    refresh: bool = False,
    deadline_seconds: float | None = None,
) -> PartnerOutcome[list[Product]]:
    """The partner's similar items for one of its products (an empty list when the partner
    offers none or has no similar-items operation); NOT_ANSWERING when it fails. Whoever
    integrates the catalogue falls back on its own "same category and price band" when this
    is not ANSWERED or empty."""
    if not isinstance(partner_product_id, str) or not partner_product_id.strip():
        raise ValueError("a partner product id is needed")
    if len(partner_product_id) > PRODUCT_ID_MAX_CHARS:
        raise ValueError(f"a partner product id has at most {PRODUCT_ID_MAX_CHARS} characters")
    request = PartnerRequest(
        operation=Operation.SIMILAR,
        arguments={"partner_product_id": partner_product_id},
        call=lambda adapter: (
            adapter.similar(partner_product_id) if adapter.supports(Operation.SIMILAR) else []
        ),
    )
    [outcome] = partners_ask(
        [partner], lambda _: request, refresh=refresh, deadline_seconds=deadline_seconds
    )
    return outcome


def _search_request(query: str, page: Any) -> PartnerRequest[SearchPage]:
    return PartnerRequest(
        operation=Operation.SEARCH,
        arguments={"query": query, "page": page},
        call=lambda adapter: (
            adapter.search(query, page) if adapter.supports(Operation.SEARCH) else SearchPage()
        ),
    )


def _page_token_usable(page: object) -> bool:
    if isinstance(page, bool):
        return False
    if isinstance(page, int):
        return True
    return isinstance(page, str) and 0 < len(page) <= PAGE_TOKEN_MAX_CHARS


def _query_digest(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()[:16]


def _cursor_make(query: str, pages: dict[int, Any]) -> str:
    payload = {"q": _query_digest(query), "p": [[pk, page] for pk, page in pages.items()]}
    return signing.dumps(payload, salt=CURSOR_SALT, compress=True)


def _cursor_read(cursor: str, query: str) -> dict[int, Any]:
    if not isinstance(cursor, str) or len(cursor) > CURSOR_MAX_CHARS:
        raise SearchCursorInvalid("That page link is not valid: search again.")
    try:
        payload = signing.loads(cursor, salt=CURSOR_SALT)
    except signing.BadSignature:
        raise SearchCursorInvalid("That page link is not valid: search again.") from None
    if payload.get("q") != _query_digest(query):
        raise SearchCursorInvalid("That page link belongs to another search: search again.")
    return {pk: page for pk, page in payload["p"]}
