"""Trigger: a property of the contact changed, from any source (an operator, the API, an import,
a flow, a visitor's answer); optionally only when a condition with the Condition node's operators
becomes true (`lead_score GTE 50`: it was not, and now it is).

`limit`: `every_time` it fires, or `once_per_contact` (one run of the flow's version per contact).
"""

from __future__ import annotations

from typing import Any

from flow_graph.errors import InvalidValueError
from flow_graph.nodes.base import ConfigField, NodeType, PropertyUse
from flow_graph.nodes.condition import OPERATOR_CHOICES, comparison_problems, comparison_use, holds
from flow_graph.property_types import PropertyInfo

LIMITS = ("every_time", "once_per_contact")


class PropertyChanged(NodeType):
    type = "property_changed"
    label = "Property changed"
    category = "trigger"
    is_trigger = True
    fields = (
        ConfigField("key", "property", "Property", required=True),
        ConfigField("op", "operator", "Only when it becomes", choices=OPERATOR_CHOICES),
        ConfigField("value", "value", "Value"),
        ConfigField("limit", "enum", "Limit", default="every_time", choices=LIMITS),
    )

    def extra_problems(self, config: dict[str, Any]) -> list[str]:
        return comparison_problems(config) if config.get("op") else []

    def property_uses(self, config: dict[str, Any]) -> list[PropertyUse]:
        if config.get("op"):
            return [comparison_use(config)]
        return [PropertyUse(config["key"], writes=False)]


def fires(config: dict[str, Any], info: PropertyInfo, old: Any, new: Any) -> bool:
    """Whether a change from `old` to `new` sets the trigger off: any change without a
    condition; with one, only when it becomes true. A condition whose value no longer fits the
    property (its options changed) never holds."""
    if not config.get("op"):
        return True
    try:
        return holds(config, info, new) and not holds(config, info, old)
    except InvalidValueError:
        return False
