"""What every node type declares: config fields, ports, trigger/wait flags, property use.

A node type is a class with class attributes and a few methods; the generic config check here
covers the common field kinds, and a type adds its own rules in `extra_problems`. The engine's
per-type behaviour (`step`) is added beside these declarations.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from flow_graph.effects import Effect
from flow_graph.property_types import PropertyInfo, PropertyType

ANY_TYPE: tuple[PropertyType, ...] = ()


@dataclass(frozen=True)
class Reply:
    """The visitor's answer to a waiting node: free text, or the index of a button."""

    text: str | None = None
    choice: int | None = None


@dataclass
class RunContext:
    """What a node sees while it runs: the contact's values as this run has changed them so far
    (the engine updates them after each node), and the workspace's properties."""

    node_id: str
    values: dict[str, Any]
    properties: Mapping[str, PropertyInfo]
    # The caller's clock (flow_graph has none); only timed nodes read it.
    now: datetime.datetime | None = None


@dataclass
class Outcome:
    """What entering or answering a node led to: effects, then one of continue on `port`,
    wait (for the visitor, or until `resume_at`), or end (failed when `failure` is set)."""

    effects: list[Effect] = field(default_factory=list)
    port: str | None = None
    wait: bool = False
    failure: str | None = None
    resume_at: datetime.datetime | None = None


@dataclass(frozen=True)
class ConfigField:
    """One config field, as the editor renders it and the validator checks it.

    kinds: text, longtext, enum, property, value, number, integer, options, updates, operator,
    choice_values (a decision's value to save per button label).
    """

    name: str
    kind: str
    label: str
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    property_types: tuple[PropertyType, ...] = ANY_TYPE
    nullable: bool = False

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "label": self.label,
            "required": self.required,
            "default": self.default,
        }
        if self.choices:
            described["choices"] = list(self.choices)
        if self.kind == "property":
            described["propertyTypes"] = [t.value for t in self.property_types] or None
            described["nullable"] = self.nullable
        return described


@dataclass(frozen=True)
class PropertyUse:
    """A property a node reads or writes; `values` must be accepted by its type."""

    key: str
    writes: bool
    types: tuple[PropertyType, ...] = ANY_TYPE
    values: tuple[Any, ...] = ()


class NodeType:
    type: ClassVar[str]
    label: ClassVar[str]
    category: ClassVar[str]
    is_trigger: ClassVar[bool] = False
    waits: ClassVar[bool] = False
    # Waits for a job (the clock, a delivery), not for the visitor: a reply never resumes it.
    timer: ClassVar[bool] = False
    # The port a preview goes on from after such a wait (it assumes the job went well).
    preview_port: ClassVar[str] = "next"
    fields: ClassVar[tuple[ConfigField, ...]] = ()
    # Ports that may stay unconnected without a warning (ask_question's `failed`).
    optional_ports: ClassVar[frozenset[str]] = frozenset()
    port_rule: ClassVar[str] = "fixed"

    def parse_config(self, raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """The config with defaults applied, and a sentence per problem found."""
        config = dict(raw)
        problems: list[str] = []
        for config_field in self.fields:
            value = raw.get(config_field.name)
            if value is None:
                if config_field.required and not config_field.nullable:
                    problems.append(f"'{config_field.name}' is required")
                config[config_field.name] = config_field.default
                continue
            problem = _field_problem(config_field, value)
            if problem:
                problems.append(f"'{config_field.name}' {problem}")
        if not problems:
            problems += self.extra_problems(config)
        return config, problems

    def extra_problems(self, config: dict[str, Any]) -> list[str]:
        return []

    def output_ports(self, config: dict[str, Any]) -> list[str]:
        return ["next"]

    def property_uses(self, config: dict[str, Any]) -> list[PropertyUse]:
        return []

    def texts(self, config: dict[str, Any]) -> list[str]:
        """Texts whose `{key}` placeholders read properties."""
        return []

    def enter(self, config: dict[str, Any], run: RunContext) -> Outcome:
        """Run the node; most nodes do their work and continue on `next`."""
        return Outcome(port="next")

    def answer(
        self, config: dict[str, Any], run: RunContext, reply: Reply, retries: int
    ) -> Outcome:
        """Take the visitor's reply; only waiting nodes are ever asked."""
        raise NotImplementedError(f"{self.type} does not wait for answers")

    def describe(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "label": self.label,
            "category": self.category,
            "isTrigger": self.is_trigger,
            "waits": self.waits,
            "timer": self.timer,
            "configSchema": {"fields": [f.describe() for f in self.fields]},
            "ports": {
                "rule": self.port_rule,
                "fixed": self.output_ports({f.name: f.default for f in self.fields})
                if self.port_rule == "fixed"
                else [],
                "optional": sorted(self.optional_ports),
                "input": not self.is_trigger,
            },
        }


def _field_problem(config_field: ConfigField, value: Any) -> str | None:
    check = _CHECKS[config_field.kind]
    return check(config_field, value)


def _text(config_field: ConfigField, value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a text"
    if config_field.required and not value.strip():
        return "must not be empty"
    return None


def _enum(config_field: ConfigField, value: Any) -> str | None:
    if value not in config_field.choices:
        return "must be one of " + ", ".join(config_field.choices)
    return None


def _property(config_field: ConfigField, value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return "must be a property key"
    return None


def _any_value(config_field: ConfigField, value: Any) -> str | None:
    return None


def _number(config_field: ConfigField, value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "must be a finite number"
    return None


def _integer(config_field: ConfigField, value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return "must be a whole number, 0 or more"
    return None


def _options(config_field: ConfigField, value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        return "must be a non-empty list of texts"
    if not all(isinstance(option, str) and option.strip() for option in value):
        return "must hold non-empty texts only"
    return None


def _updates(config_field: ConfigField, value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        return "must be a non-empty list of {key, value}"
    for update in value:
        if not isinstance(update, dict) or not isinstance(update.get("key"), str):
            return "must hold objects with a property 'key' and a 'value'"
    return None


def _choice_values(config_field: ConfigField, value: Any) -> str | None:
    if not isinstance(value, dict) or not all(isinstance(label, str) for label in value):
        return "must map button labels to values"
    return None


_CHECKS = {
    "text": _text,
    "longtext": _text,
    "enum": _enum,
    "operator": _enum,
    "property": _property,
    "value": _any_value,
    "number": _number,
    "integer": _integer,
    "options": _options,
    "updates": _updates,
    "choice_values": _choice_values,
}
