"""Ask with buttons and wait; each button is an output port, "0", "1", … in order."""

from __future__ import annotations

from typing import Any

from flow_graph.effects import SendMessage
from flow_graph.nodes.base import ConfigField, NodeType, Outcome, Reply, RunContext
from flow_graph.templating import render_text


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

    def enter(self, config: dict[str, Any], run: RunContext) -> Outcome:
        return Outcome([self._question(config, run)], wait=True)

    def answer(
        self, config: dict[str, Any], run: RunContext, reply: Reply, retries: int
    ) -> Outcome:
        """A button index, or text equal to a button's label; anything else asks again."""
        options: list[str] = config["options"]
        if reply.choice is not None and 0 <= reply.choice < len(options):
            return Outcome(port=str(reply.choice))
        typed = (reply.text or "").strip().casefold()
        for index, option in enumerate(options):
            if typed and option.strip().casefold() == typed:
                return Outcome(port=str(index))
        return Outcome([self._question(config, run)], wait=True)

    def _question(self, config: dict[str, Any], run: RunContext) -> SendMessage:
        text = render_text(config["text"], run.values)
        return SendMessage(run.node_id, text, tuple(config["options"]), expects_answer=True)
