"""Send a text; `{key}` and `{key|fallback}` placeholders are filled from the contact."""

from __future__ import annotations

from typing import Any

from flow_graph import effects
from flow_graph.nodes.base import ConfigField, NodeType, Outcome, RunContext
from flow_graph.templating import render_text


class SendMessage(NodeType):
    type = "send_message"
    label = "Send a message"
    category = "message"
    fields = (ConfigField("text", "longtext", "Message", required=True),)

    def texts(self, config: dict[str, Any]) -> list[str]:
        return [config["text"]]

    def enter(self, config: dict[str, Any], run: RunContext) -> Outcome:
        text = render_text(config["text"], run.values)
        return Outcome([effects.SendMessage(run.node_id, text)], port="next")
