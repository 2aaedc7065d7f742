"""Where each property type is stored in `property_value`, and how a row becomes a JSON value."""

from __future__ import annotations

import datetime
from typing import Any

from api.contacts.models import PropertyValue
from flow_graph.property_types import PropertyType, Value

_COLUMNS = {
    PropertyType.NUMBER: "value_number",
    PropertyType.BOOLEAN: "value_bool",
    PropertyType.DATE: "value_date",
}
VALUE_COLUMNS = ("value_text", "value_number", "value_bool", "value_date")


def column_for(type: PropertyType) -> str:
    """The typed column holding values of `type`; text-like types share `value_text`."""
    return _COLUMNS.get(type, "value_text")


def columns_for(type: PropertyType, value: Value) -> dict[str, Any]:
    """Column values for storing canonical `value`: its own column set, the others null."""
    stored: Any = datetime.date.fromisoformat(str(value)) if type is PropertyType.DATE else value
    return {column: stored if column == column_for(type) else None for column in VALUE_COLUMNS}


def read_value(type: PropertyType, row: PropertyValue) -> Value | None:
    """The canonical JSON value of a stored row (whole numbers come back as ints)."""
    return from_column(type, getattr(row, column_for(type)))


def from_column(type: PropertyType, stored: Any) -> Value | None:
    if stored is None:
        return None
    if type is PropertyType.NUMBER:
        number = float(stored)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if type is PropertyType.DATE:
        return stored.isoformat() if isinstance(stored, datetime.date) else str(stored)
    if type is PropertyType.BOOLEAN:
        return bool(stored)
    return str(stored)


def to_parameter(type: PropertyType, value: Value) -> Any:
    """A canonical value as a SQL parameter for its typed column."""
    if type is PropertyType.DATE:
        return datetime.date.fromisoformat(str(value))
    if type is PropertyType.NUMBER:
        return float(value)
    return value
