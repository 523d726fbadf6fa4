"""Declarative, sandboxed mappings between partner APIs and our canonical shapes.

Merchandisers write one JSONata expression per operation and direction. `compile_mapping` parses
it once; `CompiledMapping.evaluate` runs it in an evaluator process within time, depth, size and
memory bounds; `validate_output`
and `validate_request` turn the result into canonical objects or errors that name every wrong
field. Pure Python: no Django imports, so everything here is tested without a database.
"""

from partners.mapping.canonical import (
    LOOKUP_AVAILABILITY,
    LOOKUP_KINDS,
    LOOKUP_PRODUCT,
    Address,
    Availability,
    ConfirmationLine,
    Contact,
    OrderConfirmation,
    OrderLine,
    OrderRequest,
    OrderStatusUpdate,
    Product,
    SearchPage,
    StatusLine,
    Variant,
    validate_availability,
    validate_order_confirmation,
    validate_order_status_update,
    validate_product,
    validate_search_page,
    validate_similar,
    validate_variant,
)
from partners.mapping.engine import (
    DIRECTIONS,
    OPERATIONS,
    CompiledMapping,
    compile_mapping,
    response_mapping_input,
)
from partners.mapping.errors import (
    EvaluatorUnavailable,
    FieldProblem,
    MappingError,
    MappingLimitExceeded,
    MappingRuntimeError,
    MappingSyntaxError,
    ShapeError,
    XmlPayloadError,
)
from partners.mapping.gtin import Gtin, GtinError, gtin_check_digit, gtin_normalise, gtin_problem
from partners.mapping.inputs import lookup_input
from partners.mapping.limits import Limit, MappingLimits, default_limits, default_limits_set
from partners.mapping.order_lines import order_mapping_line_problems
from partners.mapping.outputs import validate_output
from partners.mapping.preview import PreviewError, PreviewResult, preview
from partners.mapping.request_parts import RequestParts, validate_request
from partners.mapping.samples import order_request_sample
from partners.mapping.values import to_json_friendly
from partners.mapping.xml import data_to_xml, xml_to_data

__all__ = [
    "DIRECTIONS",
    "LOOKUP_AVAILABILITY",
    "LOOKUP_KINDS",
    "LOOKUP_PRODUCT",
    "OPERATIONS",
    "Address",
    "Availability",
    "CompiledMapping",
    "ConfirmationLine",
    "Contact",
    "EvaluatorUnavailable",
    "FieldProblem",
    "Gtin",
    "GtinError",
    "Limit",
    "MappingError",
    "MappingLimitExceeded",
    "MappingLimits",
    "MappingRuntimeError",
    "MappingSyntaxError",
    "OrderConfirmation",
    "OrderLine",
    "OrderRequest",
    "OrderStatusUpdate",
    "PreviewError",
    "PreviewResult",
    "Product",
    "RequestParts",
    "SearchPage",
    "ShapeError",
    "StatusLine",
    "Variant",
    "XmlPayloadError",
    "compile_mapping",
    "data_to_xml",
    "default_limits",
    "default_limits_set",
    "gtin_check_digit",
    "gtin_normalise",
    "gtin_problem",
    "lookup_input",
    "order_mapping_line_problems",
    "order_request_sample",
    "preview",
    "response_mapping_input",
    "to_json_friendly",
    "validate_availability",
    "validate_order_confirmation",
    "validate_order_status_update",
    "validate_output",
    "validate_product",
    "validate_request",
    "validate_search_page",
    "validate_similar",
    "validate_variant",
    "xml_to_data",
]
