"""Filter operators, shared by the contacts filter (in SQL) and the flow `condition` node.

`OPERATORS_BY_TYPE` is the one table of which operators fit which property type: the SQL filter
refuses the rest, flow validation reports them, and the `propertyTypes` query hands the same
table (with `OPERATOR_LABELS`) to the browser, so no client keeps a copy.

`compare` has the same semantics as the SQL filter: text compares case-insensitively for EQ,
NEQ, IN, CONTAINS and STARTS_WITH; NEQ and IS_NOT_SET hold for an unset value; ordering
compares numbers as numbers and ISO dates (text) as dates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from flow_graph.property_types import PropertyType


class FilterOperator(StrEnum):
    EQ = "EQ"
    NEQ = "NEQ"
    CONTAINS = "CONTAINS"
    STARTS_WITH = "STARTS_WITH"
    GT = "GT"
    GTE = "GTE"
    LT = "LT"
    LTE = "LTE"
    IN = "IN"
    IS_SET = "IS_SET"
    IS_NOT_SET = "IS_NOT_SET"


UNARY_OPERATORS = frozenset({FilterOperator.IS_SET, FilterOperator.IS_NOT_SET})
"""Operators that take no value."""
TEXT_OPERATORS = (FilterOperator.CONTAINS, FilterOperator.STARTS_WITH)
"""Operators that match text: they take a non-empty text, whatever the property's type."""

OPERATOR_LABELS = MappingProxyType(
    {
        FilterOperator.EQ: "=",
        FilterOperator.NEQ: "≠",
        FilterOperator.CONTAINS: "contains",
        FilterOperator.STARTS_WITH: "starts with",
        FilterOperator.GT: ">",
        FilterOperator.GTE: "≥",
        FilterOperator.LT: "<",
        FilterOperator.LTE: "≤",
        FilterOperator.IN: "is one of",
        FilterOperator.IS_SET: "is set",
        FilterOperator.IS_NOT_SET: "is not set",
    }
)
"""How a filter chip or a condition node names an operator: "Lead score ≥ 10"."""

_EQUALITY = (FilterOperator.EQ, FilterOperator.NEQ, FilterOperator.IN)
_ORDERING = (FilterOperator.GT, FilterOperator.GTE, FilterOperator.LT, FilterOperator.LTE)
_PRESENCE = (FilterOperator.IS_SET, FilterOperator.IS_NOT_SET)
_TEXT = (*TEXT_OPERATORS, *_EQUALITY, *_ORDERING, *_PRESENCE)
_ORDERED = (*_EQUALITY, *_ORDERING, *_PRESENCE)

OPERATORS_BY_TYPE: Mapping[PropertyType, tuple[FilterOperator, ...]] = MappingProxyType(
    {
        PropertyType.TEXT: _TEXT,
        PropertyType.NUMBER: _ORDERED,
        PropertyType.EMAIL: _TEXT,
        PropertyType.URL: _TEXT,
        PropertyType.PHONE: _TEXT,
        PropertyType.DATE: _ORDERED,
        PropertyType.BOOLEAN: (*_EQUALITY, *_PRESENCE),
        PropertyType.SELECT: (*_EQUALITY, *TEXT_OPERATORS, *_ORDERING, *_PRESENCE),
    }
)
"""The operators that fit each type, in the order a picker offers them (the first by default)."""

TEXT_TYPES = frozenset(
    type for type, fitting in OPERATORS_BY_TYPE.items() if FilterOperator.CONTAINS in fitting
)
"""Types whose values are text: CONTAINS and STARTS_WITH fit them; they compare ignoring case."""


def fits(op: FilterOperator, type: PropertyType) -> bool:
    """Whether `op` applies to a property of `type`."""
    return op in OPERATORS_BY_TYPE[type]


def types_fitting(op: FilterOperator) -> tuple[PropertyType, ...]:
    """The property types `op` applies to, in the enum's order."""
    return tuple(type for type in PropertyType if fits(op, type))


def compare(op: FilterOperator, actual: Any, expected: Any) -> bool:
    """Whether a contact's value (`actual`, None when unset) passes `op expected`."""
    if actual is None:
        return op in (FilterOperator.IS_NOT_SET, FilterOperator.NEQ)
    return _TABLE[op](actual, expected)


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(actual, str) and isinstance(expected, str):
        return actual.casefold() == expected.casefold()
    if isinstance(actual, bool) or isinstance(expected, bool):
        return actual is expected
    return bool(actual == expected)


def _ordered(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare_ordered(actual: Any, expected: Any) -> bool:
        numbers = (int, float)
        if isinstance(actual, bool) or isinstance(expected, bool):
            return False
        if isinstance(actual, numbers) and isinstance(expected, numbers):
            return test(actual, expected)
        if isinstance(actual, str) and isinstance(expected, str):
            return test(actual, expected)
        return False

    return compare_ordered


def _text(test: Callable[[str, str], bool]) -> Callable[[Any, Any], bool]:
    def compare_text(actual: Any, expected: Any) -> bool:
        if not isinstance(actual, str) or not isinstance(expected, str):
            return False
        return test(actual.casefold(), expected.casefold())

    return compare_text


def _in(actual: Any, expected: Any) -> bool:
    return isinstance(expected, list) and any(_equal(actual, item) for item in expected)


_TABLE: dict[FilterOperator, Callable[[Any, Any], bool]] = {
    FilterOperator.EQ: _equal,
    FilterOperator.NEQ: lambda actual, expected: not _equal(actual, expected),
    FilterOperator.CONTAINS: _text(lambda actual, expected: expected in actual),
    FilterOperator.STARTS_WITH: _text(str.startswith),
    FilterOperator.GT: _ordered(lambda actual, expected: actual > expected),
    FilterOperator.GTE: _ordered(lambda actual, expected: actual >= expected),
    FilterOperator.LT: _ordered(lambda actual, expected: actual < expected),
    FilterOperator.LTE: _ordered(lambda actual, expected: actual <= expected),
    FilterOperator.IN: _in,
    FilterOperator.IS_SET: lambda actual, expected: True,
    FilterOperator.IS_NOT_SET: lambda actual, expected: False,
}
