"""Set one or more properties to given values (each checked against its type at publish)."""

from __future__ import annotations

from typing import Any

from flow_graph.effects import Effect, SetValue
from flow_graph.errors import InvalidValueError
from flow_graph.nodes.base import ConfigField, NodeType, Outcome, PropertyUse, RunContext
from flow_graph.property_types import normalize_value


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

    def enter(self, config: dict[str, Any], run: RunContext) -> Outcome:
        effects: list[Effect] = []
        for update in config["updates"]:
            info = run.properties.get(update["key"])
            if info is None:
                return Outcome(failure=f"the property '{update['key']}' no longer exists")
            raw = update.get("value")
            try:
                value = (
                    None
                    if raw is None
                    else normalize_value(info.type, raw, options=info.options, key=info.key)
                )
            except InvalidValueError as refused:
                return Outcome(failure=str(refused))
            effects.append(SetValue(run.node_id, info.key, value))
        return Outcome(effects, port="next")

    def property_uses(self, config: dict[str, Any]) -> list[PropertyUse]:
        """A null value clears the property (as `enter` does), so only other values are typed."""
        return [
            PropertyUse(
                update["key"],
                writes=True,
                values=() if update.get("value") is None else (update["value"],),
            )
            for update in config["updates"]
        ]
