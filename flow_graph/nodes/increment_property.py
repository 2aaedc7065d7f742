"""Add N (negative to subtract) to a NUMBER property."""

from __future__ import annotations

from typing import Any

from flow_graph.effects import Increment
from flow_graph.nodes.base import ConfigField, NodeType, Outcome, PropertyUse, RunContext
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

    def extra_problems(self, config: dict[str, Any]) -> list[str]:
        return ["'by' must not be 0"] if config["by"] == 0 else []

    def enter(self, config: dict[str, Any], run: RunContext) -> Outcome:
        info = run.properties.get(config["key"])
        if info is None or info.type is not PropertyType.NUMBER:
            return Outcome(failure=f"'{config['key']}' is not a NUMBER property")
        return Outcome([Increment(run.node_id, info.key, config["by"])], port="next")

    def property_uses(self, config: dict[str, Any]) -> list[PropertyUse]:
        return [PropertyUse(config["key"], writes=True, types=(PropertyType.NUMBER,))]
