"""Writes to carts: add, change quantity, remove, park, resume, re-check, expire.

Prices are set here, on the server, from the partner's current answer and the retailer's
pricing (`catalog.cart_checks`); nothing a browser sends reaches a price. Partners are asked
before any transaction opens (the lookup refuses to run inside one), and the rows are written
in a short transaction after.

Decisions where the issue is silent:
- Scans add to the associate's active cart at the acting store, created on the first add; after
  parking, the next add starts a new one.
- Adding an item the cart has from the same partner adds to that line's quantity.
- Resuming while the open cart has items is refused ("park it first"): parking needs the
  customer's name, and guessing it would mix two customers' carts. An empty open cart is
  simply replaced.
- Any associate of the store may resume a parked cart (a colleague may serve the customer when
  they come back); it becomes that associate's active cart.
- Expired parked carts are deleted, not kept: they hold a customer's name and can no longer be
  resumed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.cart_checks import CartChange, LineCheck, line_changes, line_check
from catalog.fanout import OutcomeStatus, PartnerRequest, partners_ask
from catalog.lookup import catalog_lookup, lookup_arguments
from catalog.models import CUSTOMER_NAME_MAX_LENGTH, Cart, CartLine, gtin14_cleaned
from catalog.offer_pricing import offer_pricing_for
from catalog.offers import PartnerItem, product_views
from catalog.selectors import partners_live
from partners.models import Partner
from partners.operations import Operation
from stores.models import Store

LINE_QUANTITY_MAX = 99
CART_LINES_MAX = 50


class CartRefused(Exception):
    """The change was not made; `message` says why, in words for the associate."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CartNotFound(CartRefused):
    """No such cart or line here: another store's, another associate's, or gone."""


def cart_line_add(
    *, store: Store, user: AbstractBaseUser, gtin14: str, partner: Partner, quantity: int
) -> CartLine:
    """Add `quantity` of `gtin14` from `partner` to the user's active cart at `store`, at our
    price from the partner's current answer (through the lookup's brief cache). Refused, with
    the reason, for a bad code or quantity, a partner not serving stores, one not answering,
    an item it does not offer, short of stock or not sellable."""
    try:
        gtin14 = gtin14_cleaned(gtin14)
    except ValidationError as error:
        raise CartRefused(f"Not a valid GTIN: {error.messages[0]}") from None
    _quantity_checked(quantity)
    _partner_serving(partner)
    existing = (
        CartLine.objects.filter(
            cart__store=store,
            cart__associate=user,
            cart__status=Cart.Status.ACTIVE,
            partner=partner,
            gtin14=gtin14,
        )
        .values_list("quantity", flat=True)
        .first()
    ) or 0
    total = _sum_checked(existing, quantity)
    check = _line_looked_up(store=store, partner=partner, gtin14=gtin14, quantity=total)
    if not check.orderable:
        raise CartRefused(check.reason)
    now = timezone.now()
    with transaction.atomic():
        cart = _active_cart_locked(store=store, user=user, create=True)
        line = cart.lines.filter(partner=partner, gtin14=gtin14).first()
        if line is None:
            if cart.lines.count() >= CART_LINES_MAX:
                raise CartRefused(f"A cart holds at most {CART_LINES_MAX} different items.")
            line = CartLine(cart=cart, partner=partner, gtin14=gtin14, quantity=quantity)
        else:
            # Another tab may have added meanwhile: the availability checked bounds the sum.
            line.quantity = _sum_checked(line.quantity, quantity)
            if check.available_quantity is not None and line.quantity > check.available_quantity:
                raise CartRefused(f"Only {check.available_quantity} available.")
        _line_apply(line, check, now)
        line.save()
        cart.save(update_fields=["updated_at"])
    return line


def cart_line_quantity_set(
    *, store: Store, user: AbstractBaseUser, line_id: int, quantity: int
) -> CartLine:
    """Set a line of the user's active cart to `quantity`. Fewer needs no partner (and clears
    "only N left" once within it); more asks the partner again, refused when it cannot supply
    that many."""
    _quantity_checked(quantity)
    line = _line_of(store=store, user=user, line_id=line_id)
    check = None
    if quantity > line.quantity:
        _partner_serving(line.partner)
        check = _line_looked_up(
            store=store, partner=line.partner, gtin14=line.gtin14, quantity=quantity
        )
        if not check.orderable:
            raise CartRefused(check.reason)
    now = timezone.now()
    with transaction.atomic():
        line = _line_of(store=store, user=user, line_id=line_id, lock=True)
        line.quantity = quantity
        if check is not None:
            _line_apply(line, check, now)
        elif line.problem == CartLine.Problem.SHORT and (
            line.available_quantity is not None and quantity <= line.available_quantity
        ):
            line.problem, line.problem_reason = CartLine.Problem.NONE, ""
        line.save()
    return line


def cart_line_remove(*, store: Store, user: AbstractBaseUser, line_id: int) -> None:
    with transaction.atomic():
        _line_of(store=store, user=user, line_id=line_id, lock=True).delete()


def customer_name_cleaned(name: str) -> str:
    """The name with runs of spaces made one; CartRefused when empty or too long."""
    text = " ".join(name.split()) if isinstance(name, str) else ""
    if not text:
        raise CartRefused("Type the customer's name to park the cart under.")
    if len(text) > CUSTOMER_NAME_MAX_LENGTH:
        raise CartRefused(f"A customer's name has at most {CUSTOMER_NAME_MAX_LENGTH} characters.")
    return text


@transaction.atomic
def cart_park(*, store: Store, user: AbstractBaseUser, customer_name: str) -> Cart:
    """Park the user's active cart under the customer's name until CART_PARKED_HOURS from
    now; the next add starts a new cart. Refused for an empty cart."""
    name = customer_name_cleaned(customer_name)
    cart = _active_cart_locked(store=store, user=user, create=False)
    if cart is None or not cart.lines.exists():
        raise CartRefused("The cart is empty: there is nothing to park.")
    now = timezone.now()
    cart.status = Cart.Status.PARKED
    cart.customer_name = name
    cart.parked_at = now
    cart.expires_at = now + timedelta(hours=settings.CART_PARKED_HOURS)
    cart.save()
    return cart


@transaction.atomic
def cart_resume(*, store: Store, user: AbstractBaseUser, cart_id: int) -> Cart:
    """Make a parked cart of `store` the user's active cart. Refused while the user's active
    cart has items (see the module's docstring); an empty one is deleted."""
    now = timezone.now()
    parked = (
        Cart.objects.select_for_update()
        .filter(pk=cart_id, store=store, status=Cart.Status.PARKED, expires_at__gt=now)
        .first()
    )
    if parked is None:
        raise CartNotFound("That parked cart is gone: resumed by someone else, or expired.")
    active = _active_cart_locked(store=store, user=user, create=False)
    if active is not None:
        if active.lines.exists():
            raise CartRefused(
                "Park the cart you have open first (under its customer's name), then resume."
            )
        active.delete()
    parked.status = Cart.Status.ACTIVE
    parked.associate = user
    parked.parked_at = parked.expires_at = None
    try:
        # A first add in another tab may create the open cart after the look above (no row
        # existed to lock): the one-active-cart constraint then stops this save.
        with transaction.atomic():
            parked.save()
    except IntegrityError:
        raise CartRefused(
            "A cart was opened meanwhile (another tab?): park it first, then resume."
        ) from None
    return parked


def carts_parked_expire(*, now: datetime | None = None) -> int:
    """Delete the parked carts whose time is up (with their lines); how many.

    The due carts are locked first, skipping any a resume holds: `delete()` alone picks the
    carts, then deletes them by id, and would delete one resumed in between (now active)."""
    now = now or timezone.now()
    with transaction.atomic():
        due = Cart.objects.select_for_update(skip_locked=True).filter(
            status=Cart.Status.PARKED, expires_at__lte=now
        )
        _, by_model = Cart.objects.filter(pk__in=list(due.values_list("pk", flat=True))).delete()
    return by_model.get(Cart._meta.label, 0)


@dataclass(frozen=True)
class CartRepricing:
    """What a re-check found: the changes in words, and each re-checked line's check by line
    id (a line whose partner did not answer has none)."""

    changes: list[CartChange]
    checks: dict[int, LineCheck]


def cart_recheck(*, cart: Cart, refresh: bool = False) -> list[CartChange]:
    """`cart_reprice`'s changes, in words."""
    return cart_reprice(cart=cart, refresh=refresh).changes


def cart_reprice(*, cart: Cart, refresh: bool = False) -> CartRepricing:
    """Ask the partners again about every line of `cart` (through the cache unless `refresh`)
    and bring prices, stock and delivery up to date; the changes, and each line's check.

    One fan-out for the whole cart: each partner is asked for all its lines in one request
    (one after another in that partner's thread), every partner at once, so the wait is that of
    the slowest partner's lines and the page's queries do not grow with lines or partners. A
    partner not answering keeps its lines as they were, with the reason shown."""
    lines = list(cart.lines.select_related("partner").order_by("pk"))
    if not lines:
        return CartRepricing(changes=[], checks={})
    store = cart.store
    live = {
        partner.pk: partner
        for partner in partners_live().filter(pk__in={line.partner_id for line in lines})
    }
    by_partner: dict[int, list[CartLine]] = defaultdict(list)
    for line in lines:
        by_partner[line.partner_id].append(line)
    asks = {
        partner_id: [lookup_arguments(line.gtin14, line.quantity) for line in partner_lines]
        for partner_id, partner_lines in by_partner.items()
    }

    def request_for(partner: Partner) -> PartnerRequest:
        codes = [(arguments["code"], arguments["quantity"]) for arguments in asks[partner.pk]]
        return PartnerRequest(
            operation=Operation.LOOKUP,
            arguments={"lines": codes},
            call=lambda adapter: tuple(adapter.lookup(code, quantity) for code, quantity in codes),
        )

    to_ask = [live[pk] for pk in by_partner if pk in live]
    outcomes = (
        {
            outcome.partner.pk: outcome
            for outcome in partners_ask(to_ask, request_for, refresh=refresh)
        }
        if to_ask
        else {}
    )
    pricing = offer_pricing_for(store, {line.gtin14 for line in lines})
    today = timezone.localdate()
    changes: list[CartChange] = []
    checked: list[CartLine] = []
    checks: dict[int, LineCheck] = {}
    for partner_id, partner_lines in by_partner.items():
        outcome = outcomes.get(partner_id)
        partner = partner_lines[0].partner
        if outcome is None or outcome.status != OutcomeStatus.ANSWERED:
            if outcome is None:
                check_for_all = LineCheck(
                    unit_price=None,
                    currency=store.currency,
                    problem=CartLine.Problem.UNAVAILABLE,
                    reason=f"{partner.name} is not serving stores right now.",
                )
                for line in partner_lines:
                    changes += _changes(line, check_for_all)
                    checks[line.pk] = check_for_all
                    checked.append(_line_apply(line, check_for_all, line.checked_at))
                continue
            changes.append(
                CartChange(
                    line_id=partner_lines[0].pk,
                    product_name="",
                    partner_name=partner.name,
                    message=f"{partner.name} is not answering right now — prices and stock of "
                    f"its {len(partner_lines)} item(s) not re-checked.",
                )
            )
            continue
        for line, arguments, answer in zip(
            partner_lines, asks[partner_id], outcome.answer, strict=True
        ):
            views = (
                product_views(
                    [
                        PartnerItem(
                            outcome.partner, answer, outcome.fetched_at, gtin=arguments["code"]
                        )
                    ],
                    quantity=line.quantity,
                    selling_price=pricing.selling_price(line.gtin14),
                    today=today,
                )
                if answer is not None
                else []
            )
            check = line_check(
                partner_id=partner_id,
                gtin14=line.gtin14,
                quantity=line.quantity,
                views=views,
                pricing=pricing,
                partner_name=partner.name,
            )
            changes += _changes(line, check)
            checks[line.pk] = check
            checked.append(_line_apply(line, check, outcome.fetched_at or timezone.now()))
    if checked:
        with transaction.atomic():
            # Another tab may have changed a quantity while the partners were asked: that
            # line was checked for the old one, so it waits for the next opening. A line
            # checked since the (cached) answer keeps its newer check.
            now_stored = {
                pk: (quantity, checked_at)
                for pk, quantity, checked_at in CartLine.objects.select_for_update()
                .filter(pk__in=[line.pk for line in checked])
                .order_by()
                .values_list("pk", "quantity", "checked_at")
            }
            stale = {
                line.pk
                for line in checked
                if line.pk not in now_stored
                or now_stored[line.pk][0] != line.quantity
                or now_stored[line.pk][1] > line.checked_at
            }
            CartLine.objects.bulk_update(
                [line for line in checked if line.pk not in stale], LINE_CHECKED_FIELDS
            )
        changes = [change for change in changes if change.line_id not in stale]
        checks = {pk: check for pk, check in checks.items() if pk not in stale}
    return CartRepricing(changes=changes, checks=checks)


LINE_CHECKED_FIELDS = [
    "unit_price",
    "currency",
    "product_name",
    "partner_sku",
    "attributes",
    "available_quantity",
    "delivery_days",
    "delivery_date",
    "problem",
    "problem_reason",
    "checked_at",
]


def _changes(line: CartLine, check: LineCheck) -> list[CartChange]:
    return [
        CartChange(
            line_id=line.pk,
            product_name=line.product_name,
            partner_name=line.partner.name,
            message=message,
        )
        for message in line_changes(line, check)
    ]


def _line_apply(line: CartLine, check: LineCheck, checked_at: datetime) -> CartLine:
    """Copy what the partner says now onto the line. An item no longer offered keeps the
    name, variant and last price it was shown with."""
    if check.unit_price is not None:
        line.unit_price = check.unit_price
        line.currency = check.currency
        line.product_name = check.product_name
        line.partner_sku = check.partner_sku
        line.attributes = dict(check.attributes)
        line.available_quantity = check.available_quantity
        line.delivery_days = check.delivery_days
        line.delivery_date = check.delivery_date
    line.problem = check.problem
    line.problem_reason = check.reason
    line.checked_at = checked_at
    return line


def _line_looked_up(*, store: Store, partner: Partner, gtin14: str, quantity: int) -> LineCheck:
    """The line as `partner` offers it now, through the lookup service and its cache."""
    pricing = offer_pricing_for(store, [gtin14])
    result = catalog_lookup(
        code=gtin14,
        partners=[partner],
        selling_price=pricing.selling_price(gtin14),
        quantity=quantity,
    )
    [outcome] = result.outcomes
    if outcome.status == OutcomeStatus.NOT_ANSWERING:
        raise CartRefused(f"{partner.name} is not answering right now: {outcome.reason}")
    return line_check(
        partner_id=partner.pk,
        gtin14=gtin14,
        quantity=quantity,
        views=result.views,
        pricing=pricing,
        partner_name=partner.name,
    )


def _partner_serving(partner: Partner) -> None:
    if not partners_live().filter(pk=partner.pk).exists():
        raise CartRefused(f"{partner.name} is not serving stores right now.")


def _quantity_checked(quantity: int) -> int:
    if not isinstance(quantity, int) or not 1 <= quantity <= LINE_QUANTITY_MAX:
        raise CartRefused(f"A quantity is a whole number from 1 to {LINE_QUANTITY_MAX}.")
    return quantity


def _sum_checked(existing: int, quantity: int) -> int:
    """`existing + quantity`, refused past the most of one item in words that say why: the
    associate asked for `quantity`, which alone is within bounds."""
    if existing + quantity > LINE_QUANTITY_MAX:
        raise CartRefused(
            f"The cart has {existing} of this item already; at most {LINE_QUANTITY_MAX} of one "
            "item."
        )
    return existing + quantity


def _active_cart_locked(*, store: Store, user: AbstractBaseUser, create: bool) -> Cart | None:
    """The user's active cart at `store`, locked for this transaction; created when `create`.
    Two requests creating it at once meet the one-active-cart constraint: get_or_create then
    reads the winner's."""
    carts = Cart.objects.select_for_update()
    if not create:
        return carts.filter(store=store, associate=user, status=Cart.Status.ACTIVE).first()
    cart, _ = carts.get_or_create(
        store=store,
        associate=user,
        status=Cart.Status.ACTIVE,
        defaults={"created_by": user},
    )
    return cart


def _line_of(*, store: Store, user: AbstractBaseUser, line_id: int, lock: bool = False) -> CartLine:
    lines = CartLine.objects.select_related("partner").filter(
        pk=line_id, cart__store=store, cart__associate=user, cart__status=Cart.Status.ACTIVE
    )
    if lock:
        lines = lines.select_for_update(of=("self",))
    line = lines.first()
    if line is None:
        raise CartNotFound("That item is no longer in your cart.")
    return line
