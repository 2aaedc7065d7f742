import pytest

from flow_graph import FilterOperator, compare

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
