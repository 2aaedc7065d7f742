"""Validation issues: what is wrong, how badly, and which node or edge it concerns."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class IssueCode(StrEnum):
    # The document's shape (parse_document).
    INVALID_DOCUMENT = "INVALID_DOCUMENT"
    # Errors: publishing is refused while any remains.
    NO_TRIGGER = "NO_TRIGGER"
    DUPLICATE_ID = "DUPLICATE_ID"
    UNKNOWN_NODE_TYPE = "UNKNOWN_NODE_TYPE"
    INVALID_CONFIG = "INVALID_CONFIG"
    DANGLING_EDGE = "DANGLING_EDGE"
    UNKNOWN_PORT = "UNKNOWN_PORT"
    PORT_USED_TWICE = "PORT_USED_TWICE"
    TRIGGER_HAS_INPUT = "TRIGGER_HAS_INPUT"
    UNREACHABLE_NODE = "UNREACHABLE_NODE"
    UNKNOWN_PROPERTY = "UNKNOWN_PROPERTY"
    PROPERTY_TYPE_MISMATCH = "PROPERTY_TYPE_MISMATCH"
    INVALID_VALUE = "INVALID_VALUE"
    INFINITE_LOOP = "INFINITE_LOOP"
    # Warnings: shown, but publishing goes ahead.
    DEAD_END = "DEAD_END"
    UNCONNECTED_PORT = "UNCONNECTED_PORT"
    HIDDEN_PROPERTY = "HIDDEN_PROPERTY"
    UNKNOWN_PLACEHOLDER = "UNKNOWN_PLACEHOLDER"


@dataclass(frozen=True)
class Issue:
    code: IssueCode
    severity: Severity
    message: str
    node_id: str | None = None
    edge_id: str | None = None


def error(
    code: IssueCode, message: str, *, node: str | None = None, edge: str | None = None
) -> Issue:
    return Issue(code, Severity.ERROR, message, node, edge)


def warning(
    code: IssueCode, message: str, *, node: str | None = None, edge: str | None = None
) -> Issue:
    return Issue(code, Severity.WARNING, message, node, edge)


def has_errors(issues: list[Issue]) -> bool:
    return any(issue.severity is Severity.ERROR for issue in issues)
