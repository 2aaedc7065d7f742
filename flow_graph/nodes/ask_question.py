"""Ask a question and wait; a valid answer is saved to a property, an invalid one asked again."""

from __future__ import annotations

from typing import Any

from flow_graph.nodes.base import ConfigField, NodeType, PropertyUse

DEFAULT_MAX_RETRIES = 3


class AskQuestion(NodeType):
    type = "ask_question"
    label = "Ask a question"
    category = "question"
    waits = True
    optional_ports = frozenset({"failed"})
    fields = (
        ConfigField("text", "longtext", "Question", required=True),
        ConfigField("saveTo", "property", "Save the answer as", nullable=True),
        ConfigField("retryText", "text", "Message after an invalid answer"),
        ConfigField(
            "maxRetries", "integer", "Invalid answers allowed", default=DEFAULT_MAX_RETRIES
        ),
    )

    def output_ports(self, config: dict[str, Any]) -> list[str]:
        return ["next", "failed"]

    def property_uses(self, config: dict[str, Any]) -> list[PropertyUse]:
        key = config.get("saveTo")
        return [PropertyUse(key, writes=True)] if key else []

    def texts(self, config: dict[str, Any]) -> list[str]:
        return [config["text"], config.get("retryText") or ""]
