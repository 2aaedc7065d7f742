"""Contact filters as SQL: each `{key, op, value}` becomes a condition on `contact c`.

A filter value is normalized by its property's type, so numbers compare as numbers and dates as
dates. Text comparisons for EQ, NEQ, IN, CONTAINS and STARTS_WITH are case-insensitive
(`lower()` on both sides; on SQLite, `api/db.py` makes it fold every letter, not ASCII only).
NEQ and IS_NOT_SET include contacts that have no value, as "is not" does in Intercom and HubSpot.
An operator that does not fit the property's type (flow_graph's `OPERATORS_BY_TYPE`) is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from api.contacts.service import normalize
from api.contacts.values import column_for, to_parameter
from api.errors import ValidationFailedError
from api.properties.models import PropertyDefinition
from flow_graph.operators import OPERATORS_BY_TYPE, TEXT_TYPES, FilterOperator, fits

MAX_FILTERS = 50
MAX_IN_VALUES = 500


@dataclass(frozen=True)
class Condition:
    """A SQL boolean expression over `c` with `?` placeholders, and its parameters."""

    sql: str
    params: tuple[Any, ...] = ()


def build_conditions(
    filters: Sequence[Mapping[str, Any]], definitions: Mapping[str, PropertyDefinition]
) -> list[Condition]:
    """Conditions for every filter, ANDed by the caller; a bad filter is VALIDATION_FAILED."""
    if len(filters) > MAX_FILTERS:
        raise ValidationFailedError(f"At most {MAX_FILTERS} filters are allowed", field="filter")
    return [_condition(index, raw, definitions) for index, raw in enumerate(filters)]


def _condition(
    index: int, raw: Mapping[str, Any], definitions: Mapping[str, PropertyDefinition]
) -> Condition:
    key, op_name, value = raw.get("key"), raw.get("op"), raw.get("value")
    definition = definitions.get(key) if isinstance(key, str) else None
    if definition is None:
        raise ValidationFailedError(
            f"Filter {index + 1}: there is no property with the key {key!r}", key=key
        )
    try:
        op = FilterOperator(str(op_name))
    except ValueError:
        known = ", ".join(member.value for member in FilterOperator)
        raise ValidationFailedError(
            f"Filter {index + 1} on '{key}': unknown operator {op_name!r} (use one of {known})",
            key=key,
        ) from None
    if not fits(op, definition.type):
        fitting = ", ".join(OPERATORS_BY_TYPE[definition.type])
        raise ValidationFailedError(
            f"Filter {index + 1}: {op.value} does not apply to the {definition.type.value} "
            f"property '{key}' (use one of {fitting})",
            key=key,
        )
    return _OPERATORS[op](definition, value)


def _values_of(definition: PropertyDefinition, condition: str) -> str:
    return (
        "c.id IN (SELECT pv.contact_id FROM property_value pv "
        f"WHERE pv.property_id = {int(definition.id)} AND {condition})"
    )


def _is_set(definition: PropertyDefinition, _value: Any) -> Condition:
    return Condition(_values_of(definition, "1 = 1"))


def _is_not_set(definition: PropertyDefinition, value: Any) -> Condition:
    return Condition("NOT " + _is_set(definition, value).sql)


def _equals(definition: PropertyDefinition, value: Any) -> Condition:
    return _in(definition, [value], operator="EQ")


def _not_equals(definition: PropertyDefinition, value: Any) -> Condition:
    equal = _equals(definition, value)
    return Condition("NOT " + equal.sql, equal.params)


def _in(definition: PropertyDefinition, value: Any, operator: str = "IN") -> Condition:
    if not isinstance(value, list) or not value or len(value) > MAX_IN_VALUES:
        raise ValidationFailedError(
            f"The IN filter on '{definition.key}' needs a list of 1 to {MAX_IN_VALUES} values",
            key=definition.key,
        )
    params = tuple(_typed(definition, item, operator) for item in value)
    marks = ", ".join("?" for _ in params)
    if definition.type in TEXT_TYPES:
        lowered = ", ".join("lower(CAST(? AS TEXT))" for _ in params)
        return Condition(_values_of(definition, f"lower(pv.value_text) IN ({lowered})"), params)
    column = column_for(definition.type)
    return Condition(_values_of(definition, f"pv.{column} IN ({marks})"), params)


def _comparison(symbol: str, operator: str) -> Any:
    def compare(definition: PropertyDefinition, value: Any) -> Condition:
        column = column_for(definition.type)
        param = _typed(definition, value, operator)
        return Condition(_values_of(definition, f"pv.{column} {symbol} ?"), (param,))

    return compare


def _text_match(pattern: str, operator: str) -> Any:
    def match(definition: PropertyDefinition, value: Any) -> Condition:
        if not isinstance(value, str) or not value or "\x00" in value:
            raise ValidationFailedError(
                f"{operator} on '{definition.key}' needs a non-empty text value without NUL",
                key=definition.key,
            )
        escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        condition = "lower(pv.value_text) LIKE lower(CAST(? AS TEXT)) ESCAPE '\\'"
        return Condition(_values_of(definition, condition), (pattern.format(escaped),))

    return match


def _typed(definition: PropertyDefinition, value: Any, operator: str) -> Any:
    if value is None:
        raise ValidationFailedError(
            f"{operator} on '{definition.key}' needs a value", key=definition.key
        )
    return to_parameter(definition.type, normalize(definition, value))


_OPERATORS = {
    FilterOperator.EQ: _equals,
    FilterOperator.NEQ: _not_equals,
    FilterOperator.IN: _in,
    FilterOperator.GT: _comparison(">", "GT"),
    FilterOperator.GTE: _comparison(">=", "GTE"),
    FilterOperator.LT: _comparison("<", "LT"),
    FilterOperator.LTE: _comparison("<=", "LTE"),
    FilterOperator.CONTAINS: _text_match("%{}%", "CONTAINS"),
    FilterOperator.STARTS_WITH: _text_match("{}%", "STARTS_WITH"),
    FilterOperator.IS_SET: _is_set,
    FilterOperator.IS_NOT_SET: _is_not_set,
}
