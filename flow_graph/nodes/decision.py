"""Ask with buttons and wait; each button is an output port, "0", "1", … in order."""

from __future__ import annotations

from typing import Any

from flow_graph.nodes.base import ConfigField, NodeType


class Decision(NodeType):
    type = "decision"
    label = "Decision (buttons)"
    category = "question"
    waits = True
    port_rule = "one per option"
    fields = (
        ConfigField("text", "longtext", "Question", required=True),
        ConfigField("options", "options", "Buttons", required=True, default=["Yes", "No"]),
    )

    def output_ports(self, config: dict[str, Any]) -> list[str]:
        return [str(index) for index in range(len(config.get("options") or []))]

    def texts(self, config: dict[str, Any]) -> list[str]:
        return [config["text"]]
