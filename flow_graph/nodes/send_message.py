"""Send a text; `{key}` and `{key|fallback}` placeholders are filled from the contact."""

from __future__ import annotations

from typing import Any

from flow_graph.nodes.base import ConfigField, NodeType


class SendMessage(NodeType):
    type = "send_message"
    label = "Send a message"
    category = "message"
    fields = (ConfigField("text", "longtext", "Message", required=True),)

    def texts(self, config: dict[str, Any]) -> list[str]:
        return [config["text"]]
