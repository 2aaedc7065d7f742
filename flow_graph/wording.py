"""Plain words for validation messages: a node is named as the designer sees it on the canvas
(its question, message or URL in quotes, else its type's label) and an output port by its
caption (a decision's button by its text), never by internal ids or keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flow_graph.document import Node
from flow_graph.nodes import NodeType

TITLE_LENGTH = 48
TEXT_KINDS = ("text", "longtext")


def node_title(node: Node, kind: NodeType | None) -> str:
    """'Which brand do you like?' for a node with a text; else its type's label."""
    if kind is None:
        return f"The node of unknown type '{node.type}'"
    for config_field in kind.fields:
        value = node.config.get(config_field.name)
        if config_field.kind in TEXT_KINDS and isinstance(value, str) and value.strip():
            return f"'{shorten(value.strip())}'"
    return kind.label


def port_caption(kind: NodeType, config: dict[str, Any], port: str) -> str:
    """button 'Nike' for a decision's port "0"; the 'failed' exit for a fixed port."""
    if kind.port_rule == "one per option":
        options: Sequence[Any] = config.get("options") or []
        index = int(port) if port.isdigit() else -1
        if 0 <= index < len(options):
            return f"button '{shorten(str(options[index]))}'"
    return f"the '{port}' exit"


def shorten(text: str) -> str:
    """One line of at most TITLE_LENGTH characters, cut with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1].rstrip() + "…"
