"""The names of OrderEvent types, in one place. Consumers (notifications, the ERP export) read
events by these names, so a name, once released, is never changed."""

from enum import StrEnum


class EventType(StrEnum):
    ORDER_STATUS_CHANGED = "order_status_changed"
    PARTNER_ORDER_STATUS_CHANGED = "partner_order_status_changed"
    LINE_STATUS_CHANGED = "line_status_changed"
    ORDER_PLACED = "order_placed"
    PARTNER_ORDER_ATTEMPTED = "partner_order_attempted"
    PARTNER_ORDER_DEAD_LETTERED = "partner_order_dead_lettered"
    PARTNER_ORDER_REDRIVEN = "partner_order_redriven"
    PAYMENT_AUTHORISED = "payment_authorised"
    PAYMENT_CAPTURED = "payment_captured"
    PAYMENT_VOIDED = "payment_voided"
    PAYMENT_REFUNDED = "payment_refunded"
    PAYMENT_SETTLE_FAILED = "payment_settle_failed"
    TILL_REFUND_DUE = "till_refund_due"
    TILL_REFUNDED = "till_refunded"
    REJECTION_HANDLED = "rejection_handled"  # a manager told the customer of rejected items
    PICKUP_RECEIVED = "pickup_received"
    PICKUP_COLLECTED = "pickup_collected"
    PARTNER_ORDER_CANCEL_REQUESTED = "partner_order_cancel_requested"


# The events after which the customer knows of the rejected items (the attention list and the
# "customer told" service read the same).
REJECTION_HANDLED_BY = (EventType.REJECTION_HANDLED, EventType.TILL_REFUNDED)
