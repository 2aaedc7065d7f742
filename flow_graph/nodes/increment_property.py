"""Add N (negative to subtract) to a NUMBER property."""

from __future__ import annotations

from typing import Any

from flow_graph.nodes.base import ConfigField, NodeType, PropertyUse
from flow_graph.property_types import PropertyType


class IncrementProperty(NodeType):
    type = "increment_property"
    label = "Increment property"
    category = "property"
    fields = (
        ConfigField(
            "key", "property", "Property", required=True, property_types=(PropertyType.NUMBER,)
        ),
        ConfigField("by", "number", "Add", default=1),
    )

    def property_uses(self, config: dict[str, Any]) -> list[PropertyUse]:
        return [PropertyUse(config["key"], writes=True, types=(PropertyType.NUMBER,))]
