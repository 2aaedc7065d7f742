"""Filter operators, shared by the contacts filter (in SQL) and the flow `condition` node."""

from __future__ import annotations

from enum import StrEnum


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
