"""Read an order status webhook as our canonical OrderStatusUpdate, with the partner's own
order status mapping: a partner describes its order once, whether we ask for it or it tells us.

A push carries the order as the partner's status endpoint answers it, either as the whole body
or inside an envelope one level deep (`{"event": …, "order": {…}}`, or an XML notification
element around `<Order>`). So the response mapping of the partner's live version is tried on
the body, then on each object directly inside it, and the first result that is a valid status
update wins. At most a handful of evaluations, each bounded like any mapping.
"""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from partners.adapters.declarative import _without_values
from partners.bounded_json import json_loads_bounded
from partners.live_versions import PartnerNeverLive, partner_served
from partners.mapping import (
    MappingError,
    OrderStatusUpdate,
    compile_mapping,
    response_mapping_input,
    validate_output,
    xml_to_data,
)
from partners.models import OperationConfig, Partner
from partners.operations import Operation

# Status pushes are a few kilobytes; anything far bigger is not one.
WEBHOOK_MAX_BODY_BYTES = 256 * 1024
# Envelopes are small: more members than this is not an envelope around one order.
ENVELOPE_MEMBERS_MAX = 8


class WebhookPayloadRefused(ValueError):
    """The push cannot be read as an order status update; the message says why, naming
    fields but never quoting values."""


def webhook_payload_map(partner: Partner, *, body: bytes, content_type: str) -> OrderStatusUpdate:
    """The update a pushed `body` describes, read with the order status response mapping of
    the partner's live version. Raises WebhookPayloadRefused."""
    if len(body) > WEBHOOK_MAX_BODY_BYTES:
        raise WebhookPayloadRefused(f"The body is larger than {WEBHOOK_MAX_BODY_BYTES} bytes.")
    try:
        served = partner_served(partner)
    except PartnerNeverLive as error:
        raise WebhookPayloadRefused(str(error)) from None
    config = next(
        (item for item in served.operations.all() if item.operation == Operation.ORDER_STATUS),
        None,
    )
    if config is None or not config.response_mapping.strip():
        raise WebhookPayloadRefused(f"{partner} has no order status mapping to read pushes with.")
    payload = _parsed(config, body)
    mapping = compile_mapping(
        config.response_mapping, operation=Operation.ORDER_STATUS, direction="response"
    )
    first_error: MappingError | None = None
    for candidate in _order_candidates(payload):
        try:
            mapped = mapping.evaluate(
                response_mapping_input(
                    status=200, headers={"content-type": content_type}, body=candidate
                ),
                bindings={"input": {}},
            )
            return validate_output(Operation.ORDER_STATUS, mapped)
        except MappingError as error:
            first_error = first_error or error
    raise WebhookPayloadRefused(
        f"The order status mapping cannot read this push: {_without_values(first_error)}"
    )


def _parsed(config: OperationConfig, body: bytes) -> Any:
    try:
        if config.body_format == OperationConfig.BodyFormat.XML:
            return xml_to_data(body.decode("utf-8"))
        return json_loads_bounded(body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError, MappingError) as error:
        kind = config.body_format.upper()
        raise WebhookPayloadRefused(f"The body is not valid {kind}: {error}") from None


def _order_candidates(payload: Any) -> Iterator[Any]:
    """The body, then the objects directly inside it (an envelope's order)."""
    yield payload
    if isinstance(payload, dict) and len(payload) <= ENVELOPE_MEMBERS_MAX:
        yield from (value for value in payload.values() if isinstance(value, dict))
