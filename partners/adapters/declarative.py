"""The default adapter: each operation is a request mapping, one HTTP call and a response mapping,
all taken from the partner's OperationConfig rows. No code per partner."""

import json
from decimal import Decimal
from functools import cached_property
from typing import Any
from urllib.parse import quote

from partners.adapters.base import CallTrace, PartnerAdapter, order_fits_partner
from partners.adapters.registry import adapter_register
from partners.bounded_json import json_loads_bounded
from partners.http import (
    Delivery,
    PartnerBadResponse,
    PartnerCallError,
    PartnerConnection,
    PartnerResponse,
    call_outcome_set,
    connection_for,
    partner_http_client,
)
from partners.mapping import (
    Availability,
    MappingError,
    OrderConfirmation,
    OrderRequest,
    OrderStatusUpdate,
    Product,
    SearchPage,
    compile_mapping,
    data_to_xml,
    lookup_input,
    partner_order_input,
    response_mapping_input,
    search_input,
    similar_input,
    validate_output,
    validate_request,
    xml_to_data,
)
from partners.models import OperationConfig, Partner, PartnerCall
from partners.operations import IDEMPOTENT_OPERATIONS, Operation
from partners.request_line import request_line_shown
from partners.validation import path_parameters

RAW_BODY_SHOWN = 20_000


class OperationNotSupported(PartnerCallError):
    """The partner has no configuration for this operation; nothing was sent."""

    outcome = PartnerCall.Outcome.HTTP_ERROR


class PartnerMappingError(PartnerCallError):
    """A mapping failed or produced something that is not our canonical shape."""

    outcome = PartnerCall.Outcome.MAPPING_ERROR


def _without_values(error: MappingError) -> str:
    """The error for the call log: field paths and messages, never the values (customer data)."""
    problems = getattr(error, "problems", None)
    if not problems:
        detail = getattr(error, "limit", None) or getattr(error, "code", None)
        return f"{type(error).__name__}: {detail}" if detail else type(error).__name__
    return "; ".join(f"{problem.path or 'result'}: {problem.message}" for problem in problems)


@adapter_register("declarative")
class DeclarativeAdapter(PartnerAdapter):
    def __init__(self, partner: Partner) -> None:
        super().__init__(partner)
        self.configs = {config.operation: config for config in partner.operations.all()}

    @cached_property
    def _connection(self) -> PartnerConnection:
        """Read and decrypt once per adapter, not once per call."""
        return connection_for(self.partner)

    def supports(self, operation: Operation) -> bool:
        return operation in self.configs

    def lookup(self, code: str, quantity: int = 1) -> Product | Availability | None:
        self.new_work_check(Operation.LOOKUP)
        return self._run(Operation.LOOKUP, lookup_input(code, quantity))

    def search(self, query: str, page: int = 1) -> SearchPage:
        self.new_work_check(Operation.SEARCH)
        return self._run(Operation.SEARCH, search_input(query, page))

    def similar(self, partner_product_id: str) -> list[Product]:
        self.new_work_check(Operation.SIMILAR)
        return self._run(Operation.SIMILAR, similar_input(partner_product_id))

    def place_order(self, order: OrderRequest, *, resend: bool = False) -> OrderConfirmation:
        if not resend:
            self.new_work_check(Operation.PLACE_ORDER)
        order_fits_partner(self.partner, order)
        return self._run(
            Operation.PLACE_ORDER, order.to_mapping_input(), idempotency_key=order.idempotency_key
        )

    def order_status(self, partner_order_id: str) -> OrderStatusUpdate:
        return self._run(Operation.ORDER_STATUS, partner_order_input(partner_order_id))

    def cancel_order(self, partner_order_id: str) -> OrderStatusUpdate:
        return self._run(Operation.CANCEL_ORDER, partner_order_input(partner_order_id))

    def _run(self, operation: Operation, data: dict, idempotency_key: str | None = None) -> Any:
        trace = self.trace(operation, data, idempotency_key=idempotency_key)
        if trace.error is not None:
            raise trace.error
        return trace.result

    def trace(
        self, operation: Operation | str, data: dict, *, idempotency_key: str | None = None
    ) -> CallTrace:
        """Run one operation and keep every step; partner and mapping errors land in the trace."""
        operation = Operation(operation)
        trace = CallTrace(operation=operation)
        config = self.configs.get(operation)
        if config is None:
            trace.error = OperationNotSupported(
                f"{self.partner} does not offer {operation.label.lower()}.",
                operation=operation,
                partner=self.partner.slug,
                delivery=Delivery.NOT_SENT,
            )
            trace.errors.append(str(trace.error))
            return trace
        try:
            response = self._send(config, data, idempotency_key, trace)
            body = self._parse(config, response)
            mapping = compile_mapping(
                config.response_mapping, operation=operation, direction="response"
            )
            trace.mapped = mapping.evaluate(
                response_mapping_input(status=response.status, headers=response.headers, body=body),
                bindings={"input": data},
            )
            trace.result = validate_output(
                operation, trace.mapped, lookup_kind=self.partner.lookup_kind
            )
        except MappingError as error:
            trace.error = PartnerMappingError(
                str(error),
                operation=operation,
                partner=self.partner.slug,
                # The request mapping fails before sending; the response mapping after the answer.
                delivery=Delivery.NOT_SENT if trace.status is None else Delivery.ANSWERED,
            )
            trace.errors.extend(map(str, getattr(error, "problems", None) or [error]))
            if trace.status is not None:
                call_outcome_set(trace, PartnerCall.Outcome.MAPPING_ERROR, _without_values(error))
        except PartnerCallError as error:
            trace.error = error
            trace.errors.append(str(error))
        return trace

    def _send(
        self,
        config: OperationConfig,
        data: dict,
        idempotency_key: str | None,
        trace: CallTrace,
    ) -> PartnerResponse:
        parts = validate_request(
            config.operation,
            compile_mapping(
                config.request_mapping, operation=config.operation, direction="request"
            ).evaluate(data)
            if config.request_mapping.strip()
            else {},
        )
        path = self._path(config, data, parts.path)
        headers = {**config.headers, **parts.headers}
        if (
            config.operation == Operation.PLACE_ORDER
            and self.partner.deduplication == Partner.Deduplication.IDEMPOTENCY_KEY_HEADER
            and idempotency_key
        ):
            headers[self.partner.idempotency_header_name] = idempotency_key
        body, content_type = None, None
        if parts.body is not None:
            if config.body_format == OperationConfig.BodyFormat.XML:
                body, content_type = data_to_xml(parts.body).encode(), "application/xml"
            else:
                body = json.dumps(parts.body).encode()
                content_type = "application/json"
        trace.request_body = (body or b"")[:RAW_BODY_SHOWN].decode("utf-8", "replace")
        trace.request_line = request_line_shown(
            self._connection, method=config.method, path=path, query=parts.query
        )
        response = partner_http_client().send(
            self._connection,
            operation=config.operation,
            method=config.method,
            path=path,
            query=parts.query or None,
            headers=headers,
            body=body,
            content_type=content_type,
            idempotent=config.operation in IDEMPOTENT_OPERATIONS,
            accepted_statuses=set(config.accepted_statuses),
            correlation=idempotency_key or "",
        )
        trace.status, trace.latency_ms = response.status, response.elapsed_ms
        trace.raw_body = response.body[:RAW_BODY_SHOWN].decode("utf-8", "replace")
        trace.response_headers, trace.response_body = dict(response.headers), response.body
        trace.call_row = response.call_row
        return response

    def _path(self, config: OperationConfig, data: dict, mapped: dict[str, str]) -> str:
        values = {
            name: str(value) for name, value in data.items() if isinstance(value, str | int)
        } | mapped
        missing = [name for name in path_parameters(config.path_template) if name not in values]
        if any(values.get(name) in {".", ".."} for name in path_parameters(config.path_template)):
            raise PartnerMappingError(
                "A path value cannot be . or ..",
                operation=config.operation,
                partner=self.partner.slug,
                delivery=Delivery.NOT_SENT,
            )
        if missing:
            raise PartnerMappingError(
                f"The path template needs {', '.join(missing)}: add it to the request mapping's "
                '"path".',
                operation=config.operation,
                partner=self.partner.slug,
                delivery=Delivery.NOT_SENT,
            )
        return config.path_template.format_map(
            {name: quote(value, safe="") for name, value in values.items()}
        )

    def _parse(self, config: OperationConfig, response: PartnerResponse) -> Any:
        if not response.body.strip():
            return None
        content_type = response.headers.get("content-type", "")
        expected = "xml" if config.body_format == OperationConfig.BodyFormat.XML else "json"
        if expected not in content_type:
            raise self._bad_response(
                config, response, f"expected {expected.upper()}, got {content_type or 'nothing'}"
            )
        try:
            if expected == "xml":
                return xml_to_data(response.body.decode("utf-8"))
            return json_loads_bounded(response.body, parse_float=Decimal)
        except (ValueError, UnicodeDecodeError, MappingError) as error:
            raise self._bad_response(
                config, response, f"the answer is not valid {expected.upper()}: {error}"
            ) from error

    def _bad_response(
        self, config: OperationConfig, response: PartnerResponse, message: str
    ) -> PartnerBadResponse:
        call_outcome_set(response, PartnerCall.Outcome.BAD_RESPONSE, message)
        return PartnerBadResponse(
            f"{self.partner} answered badly: {message}",
            operation=config.operation,
            partner=self.partner.slug,
            status_code=response.status,
        )
