"""The control API under `/_sandbox/`: the sandbox's Python control methods, over HTTP, in JSON.

No authentication and no faults: it exists for tests, benchmarks and demo scripts on loopback.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from partners.sandbox.http_io import (
    HttpError,
    Request,
    Response,
    Route,
    json_response,
    match_route,
    route,
)
from partners.sandbox.orders import OrderNotFoundError, OrderTransitionError
from partners.sandbox.webhooks import DEFAULT_WEBHOOK_SECRET

if TYPE_CHECKING:
    from partners.sandbox.partner_server import PartnerSandbox


def control_respond(routes: list[Route], request: Request) -> Response:
    """Answer a control request; bad input is a 400 that names the problem."""
    try:
        matched, params = match_route(routes, request.method, request.path)
        return matched.handler(replace(request, params=params))
    except HttpError as error:
        return json_response(error.status, {"error": error.message})
    except KeyError as error:
        return json_response(400, {"error": f"Missing field {error}"})
    except (ValueError, TypeError) as error:
        return json_response(400, {"error": str(error)})
    except OrderNotFoundError as error:
        return json_response(404, {"error": f"No order {error.args[0]}"})


def control_routes(sandbox: PartnerSandbox) -> list[Route]:
    """The control routes every partner serves, each a thin wrapper over a Python method."""

    def state(_: Request) -> Response:
        return json_response(200, sandbox.state())

    def fault_add(request: Request) -> Response:
        payload = _payload(request)
        rule = sandbox.faults_set(payload.pop("kind"), **payload)
        return json_response(201, rule.as_dict())

    def faults_clear(request: Request) -> Response:
        sandbox.faults_clear()
        return state(request)

    def latency(request: Request) -> Response:
        sandbox.latency_set(int(_payload(request)["ms"]))
        return state(request)

    def hold(request: Request) -> Response:
        holding = _payload(request)["on"]
        if not isinstance(holding, bool):
            raise HttpError(400, '"on" must be true or false')
        sandbox.hold_set(holding)
        return state(request)

    def webhook(request: Request) -> Response:
        payload = _payload(request)
        sandbox.webhook_set(
            payload["url"], payload.get("secret") or DEFAULT_WEBHOOK_SECRET, payload.get("signing")
        )
        return state(request)

    def status_advance(request: Request) -> Response:
        sandbox.status_advance_set(_payload(request)["seconds"])
        return state(request)

    def order_advance(request: Request) -> Response:
        try:
            order = sandbox.order_advance(request.params["order_id"], _payload(request).get("to"))
        except OrderTransitionError as error:
            raise HttpError(409, str(error)) from None
        shipment = order.shipment
        return json_response(
            200,
            {
                "id": order.id,
                "status": order.status.value,
                "carrier": shipment.carrier if shipment else None,
                "tracking_number": shipment.tracking_number if shipment else None,
                "tracking_url": shipment.tracking_url if shipment else None,
            },
        )

    def reset(request: Request) -> Response:
        sandbox.reset()
        return state(request)

    return [
        route("GET", "/_sandbox/state", None, state),
        route("POST", "/_sandbox/faults", None, fault_add),
        route("DELETE", "/_sandbox/faults", None, faults_clear),
        route("POST", "/_sandbox/latency", None, latency),
        route("POST", "/_sandbox/hold", None, hold),
        route("POST", "/_sandbox/webhook", None, webhook),
        route("POST", "/_sandbox/status-advance", None, status_advance),
        route("POST", "/_sandbox/orders/{order_id}/advance", None, order_advance),
        route("POST", "/_sandbox/reset", None, reset),
    ]


def _payload(request: Request) -> dict[str, Any]:
    payload = request.json()
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        raise HttpError(400, "The body must be a JSON object")
    return payload
