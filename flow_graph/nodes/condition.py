"""Compare a property with a value (the contacts filter operators); `true` / `false` ports.

The comparison itself (its config rules, the property it reads, the check) is shared with the
"Property changed" trigger, whose optional condition works the same way.
"""

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

OPERATOR_CHOICES = tuple(op.value for op in FilterOperator)


class Condition(NodeType):
    type = "condition"
    label = "Condition"
    category = "logic"
    fields = (
        ConfigField("key", "property", "Property", required=True),
        ConfigField("op", "operator", "Operator", default="EQ", choices=OPERATOR_CHOICES),
        ConfigField("value", "value", "Value"),
    )

    def extra_problems(self, config: dict[str, Any]) -> list[str]:
        return comparison_problems(config)

    def output_ports(self, config: dict[str, Any]) -> list[str]:
        return ["true", "false"]

    def enter(self, config: dict[str, Any], run: RunContext) -> Outcome:
        info = run.properties.get(config["key"])
        if info is None:
            return Outcome(failure=f"the property '{config['key']}' no longer exists")
        try:
            passed = holds(config, info, run.values.get(info.key))
        except InvalidValueError as refused:
            return Outcome(failure=str(refused))
        return Outcome(port="true" if passed else "false")

    def property_uses(self, config: dict[str, Any]) -> list[PropertyUse]:
        return [comparison_use(config)]


def comparison_problems(config: dict[str, Any]) -> list[str]:
    """What is wrong with `op` and `value` together (`op` already one of the operators)."""
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


def comparison_use(config: dict[str, Any]) -> PropertyUse:
    """The property compared, the types the operator fits and the values its type must accept."""
    op = FilterOperator(config["op"])
    value = config.get("value")
    values: tuple[Any, ...] = ()
    if op is FilterOperator.IN:
        values = tuple(value or ())
    elif op not in UNARY_OPERATORS and op not in TEXT_OPERATORS:
        values = (value,)
    return PropertyUse(config["key"], writes=False, types=types_fitting(op), values=values)


def holds(config: dict[str, Any], info: PropertyInfo, actual: Any) -> bool:
    """Whether `actual` passes the comparison; InvalidValueError when the configured value no
    longer fits the property (its options changed since publishing)."""
    op = FilterOperator(config["op"])
    expected = config.get("value")
    if op is FilterOperator.IN:
        expected = [_typed(info, item) for item in expected or ()]
    elif op not in UNARY_OPERATORS and op not in TEXT_OPERATORS:
        expected = _typed(info, expected)
    return compare(op, actual, expected)


def _typed(info: PropertyInfo, value: Any) -> Any:
    return normalize_value(info.type, value, options=info.options, key=info.key)
