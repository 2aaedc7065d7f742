"""The node-type registry: one module per type; adding a type is a module plus a line here."""

from __future__ import annotations

from typing import Any

from flow_graph.nodes.ask_question import AskQuestion
from flow_graph.nodes.base import ConfigField, NodeType, PropertyUse
from flow_graph.nodes.call_webhook import CallWebhookNode
from flow_graph.nodes.condition import Condition
from flow_graph.nodes.decision import Decision
from flow_graph.nodes.end import End
from flow_graph.nodes.hand_off import HandOff
from flow_graph.nodes.increment_property import IncrementProperty
from flow_graph.nodes.page_visit import PageVisit
from flow_graph.nodes.property_changed import PropertyChanged
from flow_graph.nodes.send_message import SendMessage
from flow_graph.nodes.update_property import UpdateProperty
from flow_graph.nodes.visitor_says import VisitorSays
from flow_graph.nodes.visits import FirstVisit, ReturningVisitor, VisitorStays
from flow_graph.nodes.wait import Wait

REGISTRY: dict[str, NodeType] = {
    node_type.type: node_type
    for node_type in (
        PageVisit(),
        FirstVisit(),
        ReturningVisitor(),
        VisitorStays(),
        VisitorSays(),
        PropertyChanged(),
        SendMessage(),
        Decision(),
        AskQuestion(),
        UpdateProperty(),
        IncrementProperty(),
        Condition(),
        HandOff(),
        Wait(),
        CallWebhookNode(),
        End(),
    )
}


def node_type(name: str) -> NodeType | None:
    return REGISTRY.get(name)


def describe_node_types() -> list[dict[str, Any]]:
    """The registry as JSON data, for the `nodeTypes` query."""
    return [node_type.describe() for node_type in REGISTRY.values()]


__all__ = ["REGISTRY", "ConfigField", "NodeType", "PropertyUse", "describe_node_types", "node_type"]
