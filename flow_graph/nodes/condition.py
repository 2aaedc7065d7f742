"""Compare a property with a value (the contacts filter operators); `true` / `false` ports."""

from __future__ import annotations

from typing import Any

from flow_graph.errors import InvalidValueError
from flow_graph.nodes.base import ConfigField, NodeType, Outcome, PropertyUse, RunContext
from flow_graph.operators import (
    TEXT_OPERATORS,
    UNARY_OPERATORS,
    FilterOperator,
    compare,
    types_fitting,
)
from flow_graph.property_types import PropertyInfo, normalize_value


class Condition(NodeType):
    type = "condition"
    label = "Condition"
    category = "logic"
    fields = (
        ConfigField("key", "property", "Property", required=True),
        ConfigField(
            "op",
            "operator",
            "Operator",
            default="EQ",
            choices=tuple(op.value for op in FilterOperator),
        ),
        ConfigField("value", "value", "Value"),
    )

    def extra_problems(self, config: dict[str, Any]) -> list[str]:
        op = FilterOperator(config["op"])
        if op in UNARY_OPERATORS:
            return []
        if config.get("value") is None:
            return [f"'value' is required for {op.value}"]
        if op is FilterOperator.IN and not isinstance(config["value"], list):
            return ["'value' must be a list for IN"]
        if op in TEXT_OPERATORS and not (isinstance(config["value"], str) and config["value"]):
            return [f"'value' must be a non-empty text for {op.value}"]
        return []

    def output_ports(self, config: dict[str, Any]) -> list[str]:
        return ["true", "false"]

    def enter(self, config: dict[str, Any], run: RunContext) -> Outcome:
        op = FilterOperator(config["op"])
        info = run.properties.get(config["key"])
        if info is None:
            return Outcome(failure=f"the property '{config['key']}' no longer exists")
        expected = config.get("value")
        try:
            if op is FilterOperator.IN:
                expected = [self._typed(info, item) for item in expected or ()]
            elif op not in UNARY_OPERATORS and op not in TEXT_OPERATORS:
                expected = self._typed(info, expected)
        except InvalidValueError as refused:
            return Outcome(failure=str(refused))
        passed = compare(op, run.values.get(info.key), expected)
        return Outcome(port="true" if passed else "false")

    @staticmethod
    def _typed(info: PropertyInfo, value: Any) -> Any:
        return normalize_value(info.type, value, options=info.options, key=info.key)

    def property_uses(self, config: dict[str, Any]) -> list[PropertyUse]:
        op = FilterOperator(config["op"])
        value = config.get("value")
        values: tuple[Any, ...] = ()
        if op is FilterOperator.IN:
            values = tuple(value or ())
        elif op not in UNARY_OPERATORS and op not in TEXT_OPERATORS:
            values = (value,)
        return [PropertyUse(config["key"], writes=False, types=types_fitting(op), values=values)]
