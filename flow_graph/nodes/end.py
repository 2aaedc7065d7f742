"""End the run."""

from __future__ import annotations

from typing import Any

from flow_graph.nodes.base import NodeType, Outcome, RunContext


class End(NodeType):
    type = "end"
    label = "End"
    category = "logic"

    def output_ports(self, config: dict[str, Any]) -> list[str]:
        return []

    def enter(self, config: dict[str, Any], run: RunContext) -> Outcome:
        return Outcome()
