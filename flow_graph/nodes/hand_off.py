"""Hand the visitor to an operator: an optional message, then the bot's run ends and the
conversation waits for a person."""

from __future__ import annotations

from typing import Any

from flow_graph import effects
from flow_graph.nodes.base import ConfigField, NodeType, Outcome, RunContext
from flow_graph.templating import render_text


class HandOff(NodeType):
    type = "hand_off"
    label = "Hand off to an operator"
    category = "message"
    fields = (ConfigField("text", "longtext", "Message (optional)"),)

    def output_ports(self, config: dict[str, Any]) -> list[str]:
        return []

    def texts(self, config: dict[str, Any]) -> list[str]:
        return [config["text"]] if config.get("text") else []

    def enter(self, config: dict[str, Any], run: RunContext) -> Outcome:
        handed: list[effects.Effect] = []
        if config.get("text"):
            handed.append(effects.SendMessage(run.node_id, render_text(config["text"], run.values)))
        handed.append(effects.HandOff(run.node_id))
        return Outcome(handed)
