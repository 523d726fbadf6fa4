"""The operations a partner can support, and which of them are safe to retry."""

from django.db import models


class Operation(models.TextChoices):
    LOOKUP = "lookup", "Look up by code"
    SEARCH = "search", "Search by name"
    SIMILAR = "similar", "Similar items"
    PLACE_ORDER = "place_order", "Place order"
    ORDER_STATUS = "order_status", "Order status"
    CANCEL_ORDER = "cancel_order", "Cancel order"


# Reads may be retried after a transient failure; writes never are (the order pipeline decides).
IDEMPOTENT_OPERATIONS = frozenset(
    {Operation.LOOKUP, Operation.SEARCH, Operation.SIMILAR, Operation.ORDER_STATUS}
)
# A partner cannot go live unless these validate.
REQUIRED_TO_GO_LIVE = (Operation.LOOKUP, Operation.PLACE_ORDER)
