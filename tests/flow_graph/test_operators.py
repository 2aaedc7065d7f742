import pytest

from flow_graph import FilterOperator, PropertyType, compare
from flow_graph.operators import (
    OPERATOR_LABELS,
    OPERATORS_BY_TYPE,
    TEXT_TYPES,
    UNARY_OPERATORS,
    fits,
    types_fitting,
)

Op = FilterOperator


@pytest.mark.parametrize(
    ("op", "actual", "expected", "result"),
    [
        (Op.EQ, "Red", "red", True),
        (Op.EQ, 3, 3.0, True),
        (Op.EQ, True, 1, False),
        (Op.EQ, False, False, True),
        (Op.NEQ, "Red", "blue", True),
        (Op.NEQ, None, "blue", True),
        (Op.EQ, None, "blue", False),
        (Op.GT, 10, 9, True),
        (Op.GT, 9, 10, False),
        (Op.GTE, 9, 9, True),
        (Op.LT, "2024-01-01", "2024-06-01", True),
        (Op.LTE, 3, 3, True),
        (Op.GT, True, 0, False),
        (Op.GT, "10", 9, False),
        (Op.CONTAINS, "Hello World", "WORLD", True),
        (Op.CONTAINS, 42, "4", False),
        (Op.STARTS_WITH, "Hello", "he", True),
        (Op.STARTS_WITH, "Hello", "lo", False),
        (Op.IN, "pro", ["Free", "Pro"], True),
        (Op.IN, "Team", ["Free", "Pro"], False),
        (Op.IN, "Pro", "Pro", False),
        (Op.IS_SET, 0, None, True),
        (Op.IS_SET, None, None, False),
        (Op.IS_NOT_SET, None, None, True),
        (Op.IS_NOT_SET, "", None, False),
    ],
)
def test_compare_follows_the_filter_semantics(op, actual, expected, result):
    assert compare(op, actual, expected) is result


def test_every_type_has_operators_and_every_operator_a_label():
    assert set(OPERATORS_BY_TYPE) == set(PropertyType)
    assert set(OPERATOR_LABELS) == set(FilterOperator)
    assert all(set(fitting) >= UNARY_OPERATORS for fitting in OPERATORS_BY_TYPE.values())


def test_text_types_are_those_that_text_matching_fits():
    assert {
        PropertyType.TEXT,
        PropertyType.EMAIL,
        PropertyType.URL,
        PropertyType.PHONE,
        PropertyType.SELECT,
    } == TEXT_TYPES


@pytest.mark.parametrize(
    ("op", "type", "result"),
    [
        (Op.CONTAINS, PropertyType.EMAIL, True),
        (Op.CONTAINS, PropertyType.NUMBER, False),
        (Op.GT, PropertyType.TEXT, True),
        (Op.GT, PropertyType.BOOLEAN, False),
        (Op.IN, PropertyType.BOOLEAN, True),
        (Op.IS_NOT_SET, PropertyType.DATE, True),
    ],
)
def test_fits_reads_the_one_table(op, type, result):
    assert fits(op, type) is result


def test_types_fitting_lists_types_in_enum_order():
    assert types_fitting(Op.GT) == tuple(t for t in PropertyType if t is not PropertyType.BOOLEAN)
    assert types_fitting(Op.EQ) == tuple(PropertyType)
