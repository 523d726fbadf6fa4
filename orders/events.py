"""The names of OrderEvent types, in one place. Consumers (notifications, the ERP export) read
events by these names, so a name, once released, is never changed."""

from enum import StrEnum


class EventType(StrEnum):
    ORDER_STATUS_CHANGED = "order_status_changed"
    PARTNER_ORDER_STATUS_CHANGED = "partner_order_status_changed"
    LINE_STATUS_CHANGED = "line_status_changed"
    PARTNER_ORDER_CANCEL_REQUESTED = "partner_order_cancel_requested"
