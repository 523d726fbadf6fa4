"""Declarative, sandboxed mappings between partner APIs and our canonical shapes.

Merchandisers write one JSONata expression per operation and direction. `compile_mapping` parses
it once; `CompiledMapping.evaluate` runs it in an evaluator process within time, depth, size and
memory bounds; `validate_output`
and `validate_request` turn the result into canonical objects or errors that name every wrong
field. Pure Python: no Django imports, so everything here is tested without a database.
"""

import importlib
from typing import Any

# Each public name and the module it lives in, imported on first use (PEP 562) rather than here:
# an evaluator process imports this package too (`python -m partners.mapping.evaluator`) and
# needs only the interpreter; importing everything took its start from about 0.2 s to 0.45 s.
# Import the function `preview` from here, not the module `partners.mapping.preview` first.
_SOURCES = {
    "LOOKUP_AVAILABILITY": "canonical",
    "LOOKUP_KINDS": "canonical",
    "LOOKUP_PRODUCT": "canonical",
    "Address": "canonical",
    "Availability": "canonical",
    "ConfirmationLine": "canonical",
    "Contact": "canonical",
    "OrderConfirmation": "canonical",
    "OrderLine": "canonical",
    "OrderRequest": "canonical",
    "OrderStatusUpdate": "canonical",
    "Product": "canonical",
    "SearchPage": "canonical",
    "StatusLine": "canonical",
    "Variant": "canonical",
    "validate_availability": "canonical",
    "validate_order_confirmation": "canonical",
    "validate_order_status_update": "canonical",
    "validate_product": "canonical",
    "validate_search_page": "canonical",
    "validate_similar": "canonical",
    "validate_variant": "canonical",
    "DIRECTIONS": "engine",
    "OPERATIONS": "engine",
    "CompiledMapping": "engine",
    "compile_mapping": "engine",
    "response_mapping_input": "engine",
    "EvaluatorUnavailable": "errors",
    "FieldProblem": "errors",
    "MappingError": "errors",
    "MappingLimitExceeded": "errors",
    "MappingRuntimeError": "errors",
    "MappingSyntaxError": "errors",
    "ShapeError": "errors",
    "XmlPayloadError": "errors",
    "Gtin": "gtin",
    "GtinError": "gtin",
    "gtin_check_digit": "gtin",
    "gtin_normalise": "gtin",
    "gtin_problem": "gtin",
    "upc_e_expand": "gtin",
    "lookup_input": "inputs",
    "partner_order_input": "inputs",
    "search_input": "inputs",
    "similar_input": "inputs",
    "Limit": "limits",
    "MappingLimits": "limits",
    "default_limits": "limits",
    "default_limits_set": "limits",
    "order_mapping_line_problems": "order_lines",
    "validate_output": "outputs",
    "PreviewError": "preview",
    "PreviewResult": "preview",
    "preview": "preview",
    "RequestParts": "request_parts",
    "validate_request": "request_parts",
    "order_request_sample": "samples",
    "to_json_friendly": "values",
    "data_to_xml": "xml",
    "xml_to_data": "xml",
}

__all__ = sorted(_SOURCES)


def __getattr__(name: str) -> Any:
    if name not in _SOURCES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    source = _SOURCES[name]
    module = importlib.import_module(f"{__name__}.{source}")
    # Every name of that module at once: importing `preview` (the module) has just set this
    # package's `preview` to the module, and the function of that name must replace it.
    for exported, its_source in _SOURCES.items():
        if its_source == source:
            globals()[exported] = getattr(module, exported)
    return globals()[name]
