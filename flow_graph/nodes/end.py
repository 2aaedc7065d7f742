"""End the run."""

from __future__ import annotations

from typing import Any

from flow_graph.nodes.base import NodeType


class End(NodeType):
    type = "end"
    label = "End"
    category = "logic"

    def output_ports(self, config: dict[str, Any]) -> list[str]:
        return []
