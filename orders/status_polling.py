"""Ask partners whose status is polled (`Partner.status_delivery`) where their open orders
stand, each order at most once per the partner's `status_poll_interval_seconds`.

Each due order is claimed first (its `status_polled_at` set, committed), so two overlapping
runs never ask about the same order; then the partner is called outside any transaction, one
call per order, and the answer applied (`orders.status_sync`). A paused partner is still
polled: its orders already placed must still be followed. A failed call is logged and tried
again at the next interval.
"""

import logging
from datetime import datetime, timedelta

from django.db.models import F, Q
from django.utils import timezone

from orders.models import PartnerOrder
from orders.status_sync import UpdateSource, partner_order_status_apply
from orders.statuses import PartnerOrderStatus
from partners.adapters.base import PartnerAdapter
from partners.adapters.registry import live_adapter_for
from partners.facts import StatusDelivery
from partners.http import PartnerCallError
from partners.live_versions import SERVING
from partners.models import Partner

logger = logging.getLogger(__name__)

# Orders the partner still moves on: placed with it and not yet final.
OPEN_STATUSES = (
    PartnerOrderStatus.SUBMITTED,
    PartnerOrderStatus.ACCEPTED,
    PartnerOrderStatus.SHIPPED,
)
# Orders asked about per run, all partners together: a run must end well within the task's
# time limit even when partners answer slowly.
POLL_BATCH = 50


def partner_orders_poll_due(*, now: datetime | None = None, batch: int = POLL_BATCH) -> int:
    """Poll up to `batch` due orders; return how many were asked about."""
    now = now or timezone.now()
    polled = 0
    partners = Partner.objects.filter(
        status_delivery=StatusDelivery.POLLING, status__in=SERVING
    ).order_by("pk")
    for partner in partners:
        due = _due(partner, now)
        ids = list(
            PartnerOrder.objects.filter(due)
            .order_by(F("status_polled_at").asc(nulls_first=True), "pk")
            .values_list("pk", flat=True)[: batch - polled]
        )
        if not ids:
            continue
        try:
            adapter = live_adapter_for(partner)
        except LookupError:  # never live, or an adapter the code no longer has
            logger.warning("status poll skipped partner=%s: no live adapter", partner.slug)
            continue
        for partner_order_id in ids:
            # Claimed only if still due: another run may have taken it meanwhile.
            if PartnerOrder.objects.filter(due, pk=partner_order_id).update(status_polled_at=now):
                _poll(adapter, partner_order_id)
                polled += 1
        if polled >= batch:
            break
    return polled


def _due(partner: Partner, now: datetime) -> Q:
    before = now - timedelta(seconds=partner.status_poll_interval_seconds)
    return Q(partner=partner, status__in=OPEN_STATUSES, partner_reference__gt="") & (
        Q(status_polled_at__isnull=True) | Q(status_polled_at__lte=before)
    )


def _poll(adapter: PartnerAdapter, partner_order_id: int) -> None:
    partner_order = PartnerOrder.objects.get(pk=partner_order_id)
    try:
        update = adapter.order_status(partner_order.partner_reference)
    except PartnerCallError as error:
        logger.warning(
            "status poll failed partner=%s partner_order=%s error=%s",
            partner_order.partner_slug,
            partner_order_id,
            type(error).__name__,
        )
        return
    if update.partner_order_id != partner_order.partner_reference:
        logger.warning(
            "status poll answered for another order partner=%s partner_order=%s",
            partner_order.partner_slug,
            partner_order_id,
        )
        return
    partner_order_status_apply(
        partner_order_id=partner_order_id, update=update, source=UpdateSource.POLL
    )
