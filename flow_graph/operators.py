"""Filter operators, shared by the contacts filter (in SQL) and the flow `condition` node.

`compare` has the same semantics as the SQL filter: text compares case-insensitively for EQ,
NEQ, IN, CONTAINS and STARTS_WITH; NEQ and IS_NOT_SET hold for an unset value; ordering
compares numbers as numbers and ISO dates (text) as dates.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any


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
