"""Propflow's pure core: property types, flow documents, node types, validation.

No I/O, no clock, no randomness: `api` passes those in and applies what comes out.
"""

from flow_graph.document import Edge, FlowDocument, Node, Position, parse_document, to_json
from flow_graph.errors import FlowGraphError, InvalidDocumentError, InvalidValueError
from flow_graph.issues import Issue, IssueCode, Severity, has_errors
from flow_graph.nodes import REGISTRY, describe_node_types, node_type
from flow_graph.operators import FilterOperator, compare
from flow_graph.property_types import PropertyInfo, PropertyType, normalize_value
from flow_graph.templating import placeholders, render_text
from flow_graph.validation import used_property_keys, validate

__all__ = [
    "REGISTRY",
    "Edge",
    "FilterOperator",
    "FlowDocument",
    "FlowGraphError",
    "InvalidDocumentError",
    "InvalidValueError",
    "Issue",
    "IssueCode",
    "Node",
    "Position",
    "PropertyInfo",
    "PropertyType",
    "Severity",
    "compare",
    "describe_node_types",
    "has_errors",
    "node_type",
    "normalize_value",
    "parse_document",
    "placeholders",
    "render_text",
    "to_json",
    "used_property_keys",
    "validate",
]
