"""Ask a question and wait; a valid answer is saved to a property, an invalid one asked again."""

from __future__ import annotations

from typing import Any

from flow_graph.effects import Actor, Effect, SendMessage, SetValue
from flow_graph.errors import InvalidValueError
from flow_graph.nodes.base import ConfigField, NodeType, Outcome, PropertyUse, Reply, RunContext
from flow_graph.property_types import PropertyInfo, PropertyType, normalize_value
from flow_graph.templating import render_text

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

    def enter(self, config: dict[str, Any], run: RunContext) -> Outcome:
        text = render_text(config["text"], run.values)
        return Outcome([SendMessage(run.node_id, text, expects_answer=True)], wait=True)

    def answer(
        self, config: dict[str, Any], run: RunContext, reply: Reply, retries: int
    ) -> Outcome:
        """Save a valid answer and go on; ask again after an invalid one, up to maxRetries."""
        key: str | None = config.get("saveTo")
        info = run.properties.get(key) if key else None
        if key and info is None:
            return Outcome(failure=f"the property '{key}' no longer exists")
        answer = (reply.text or "").strip()
        try:
            if not answer:
                raise InvalidValueError(key or "", "TEXT", reply.text, "no answer")
            value = normalize_value(info.type, answer, options=info.options) if info else None
        except InvalidValueError:
            if retries + 1 >= config["maxRetries"]:
                return Outcome(port="failed")
            text = render_text(config.get("retryText") or "", run.values) or retry_text(info)
            return Outcome([SendMessage(run.node_id, text, expects_answer=True)], wait=True)
        effects: list[Effect] = []
        if info is not None:
            effects.append(SetValue(run.node_id, info.key, value, Actor.VISITOR))
        return Outcome(effects, port="next")


def retry_text(info: PropertyInfo | None) -> str:
    """What to say after an invalid answer when the designer gave no retry text."""
    if info is None:
        return "Please type an answer."
    if info.type is PropertyType.SELECT:
        return "Please answer one of: " + ", ".join(info.options or ()) + "."
    return _RETRY_TEXTS[info.type]


_RETRY_TEXTS = {
    PropertyType.TEXT: "Please type an answer.",
    PropertyType.NUMBER: "Please enter a number.",
    PropertyType.EMAIL: "Please enter a valid email address.",
    PropertyType.URL: "Please enter a web address starting with http:// or https://.",
    PropertyType.PHONE: "Please enter a phone number with its country code, like +44 20 7946 0958.",
    PropertyType.DATE: "Please enter a date like 2024-05-31.",
    PropertyType.BOOLEAN: "Please answer yes or no.",
}
