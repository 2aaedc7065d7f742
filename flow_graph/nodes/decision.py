"""Ask with buttons and wait; each button is an output port, "0", "1", … in order.

The choice may be saved as a contact property (`saveTo`): each button stores its value from
`values` (keyed by the button's label, so adding, removing or reordering buttons keeps them),
or its label when it has none. The values are checked against the property's type at publish.
"""

from __future__ import annotations

from typing import Any

from flow_graph.effects import Actor, Effect, SendMessage, SetValue
from flow_graph.errors import InvalidValueError
from flow_graph.nodes.base import ConfigField, NodeType, Outcome, PropertyUse, Reply, RunContext
from flow_graph.property_types import normalize_value
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
        ConfigField("saveTo", "property", "Save the choice as", nullable=True),
        ConfigField("values", "choice_values", "Value saved for each button", default={}),
    )

    def output_ports(self, config: dict[str, Any]) -> list[str]:
        return [str(index) for index in range(len(config.get("options") or []))]

    def texts(self, config: dict[str, Any]) -> list[str]:
        return [config["text"]]

    def property_uses(self, config: dict[str, Any]) -> list[PropertyUse]:
        key = config.get("saveTo")
        if not key:
            return []
        return [PropertyUse(key, writes=True, values=tuple(saved_values(config)))]

    def enter(self, config: dict[str, Any], run: RunContext) -> Outcome:
        return Outcome([self._question(config, run)], wait=True)

    def answer(
        self, config: dict[str, Any], run: RunContext, reply: Reply, retries: int
    ) -> Outcome:
        """A button index, or text equal to a button's label; anything else asks again."""
        options: list[str] = config["options"]
        if reply.choice is not None and 0 <= reply.choice < len(options):
            return self._chosen(config, run, reply.choice)
        typed = (reply.text or "").strip().casefold()
        for index, option in enumerate(options):
            if typed and option.strip().casefold() == typed:
                return self._chosen(config, run, index)
        return Outcome([self._question(config, run)], wait=True)

    def _chosen(self, config: dict[str, Any], run: RunContext, index: int) -> Outcome:
        """Go on from the chosen button, saving its value first when the node saves one."""
        key: str | None = config.get("saveTo")
        effects: list[Effect] = []
        if key:
            info = run.properties.get(key)
            if info is None:
                return Outcome(failure=f"the property '{key}' no longer exists")
            raw = saved_values(config)[index]
            try:
                value = normalize_value(info.type, raw, options=info.options, key=key)
            except InvalidValueError as refused:
                return Outcome(failure=str(refused))
            effects.append(SetValue(run.node_id, key, value, Actor.VISITOR))
        return Outcome(effects, port=str(index))

    def _question(self, config: dict[str, Any], run: RunContext) -> SendMessage:
        text = render_text(config["text"], run.values)
        return SendMessage(run.node_id, text, tuple(config["options"]), expects_answer=True)


def saved_values(config: dict[str, Any]) -> list[Any]:
    """The value each button saves, in button order: its own, else its label."""
    values: dict[str, Any] = config.get("values") or {}
    return [
        option if values.get(option) in (None, "") else values[option]
        for option in config["options"]
    ]
