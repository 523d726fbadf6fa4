"""Writes to the catalogue that span several rows."""

from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from catalog.models import MasterProduct, ProductGtin, RetailPrice, Scan
from stores.models import Store


def master_product_gtins_problem(*, product: MasterProduct, gtin14s: Sequence[str]) -> str | None:
    """Why `product` cannot have these GTINs (GTIN-14), or None: a GTIN names one product."""
    taken = (
        ProductGtin.objects.filter(gtin__in=gtin14s)
        .exclude(product_id=product.pk)
        .select_related("product")
        .order_by("gtin")
        .first()
    )
    if taken is None:
        return None
    return f"GTIN {taken.gtin} belongs to {taken.product.store_sku} already."


@transaction.atomic
def master_product_gtins_and_prices_set(
    *,
    product: MasterProduct,
    gtin14s: Sequence[str] | None = None,
    prices: Mapping[str, Decimal] | None = None,
) -> None:
    """Make the product's GTINs (GTIN-14) and retail prices (currency → amount) exactly these;
    None leaves that side as it is. Raises ValidationError when another product has one of
    the GTINs."""
    if gtin14s is not None:
        if problem := master_product_gtins_problem(product=product, gtin14s=gtin14s):
            raise ValidationError({"gtins": problem})
        product.gtins.exclude(gtin__in=gtin14s).delete()
        kept = set(product.gtins.values_list("gtin", flat=True))
        ProductGtin.objects.bulk_create(
            ProductGtin(product=product, gtin=gtin) for gtin in gtin14s if gtin not in kept
        )
    if prices is not None:
        product.prices.exclude(currency__in=list(prices)).delete()
        for currency, amount in prices.items():
            RetailPrice.objects.update_or_create(
                product=product, currency=currency, defaults={"amount": amount}
            )


@transaction.atomic
def scan_record(*, store: Store, user: AbstractBaseUser | None, entered: str, gtin14: str) -> Scan:
    """Keep a resolved scan among the store's recent scans. `entered` is what was scanned or
    typed, cut to the column's length (a resolved code is never longer)."""
    return Scan.objects.create(
        store=store,
        user=user if user is not None and user.is_authenticated else None,
        entered=entered[: Scan.ENTERED_MAX_LENGTH],
        gtin14=gtin14,
    )
