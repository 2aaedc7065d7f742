"""Set one or more properties to given values (each checked against its type at publish)."""

from __future__ import annotations

from typing import Any

from flow_graph.nodes.base import ConfigField, NodeType, PropertyUse


class UpdateProperty(NodeType):
    type = "update_property"
    label = "Update property"
    category = "property"
    fields = (ConfigField("updates", "updates", "Set", required=True),)

    def extra_problems(self, config: dict[str, Any]) -> list[str]:
        keys = [update["key"] for update in config["updates"]]
        if len(set(keys)) != len(keys):
            return ["'updates' sets the same property twice"]
        return []

    def property_uses(self, config: dict[str, Any]) -> list[PropertyUse]:
        return [
            PropertyUse(update["key"], writes=True, values=(update.get("value"),))
            for update in config["updates"]
        ]
