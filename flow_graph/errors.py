"""Errors raised by the pure flow_graph package; `api` translates them at its service boundary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flow_graph.issues import Issue


class FlowGraphError(Exception):
    """Base of every error flow_graph raises on purpose."""


class InvalidValueError(FlowGraphError):
    """A property value that its type refuses."""

    def __init__(self, key: str, type: str, value: Any, reason: str) -> None:
        super().__init__(key, type, value, reason)
        self.key = key
        self.type = type
        self.value = value
        self.reason = reason

    def __str__(self) -> str:
        shown = _shorten(repr(self.value))
        if self.key:
            return f"Property '{self.key}' ({self.type}) refused {shown}: {self.reason}"
        return f"{self.type} value {shown} refused: {self.reason}"


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class InvalidDocumentError(FlowGraphError):
    """A flow document whose shape is wrong; `issues` lists every problem found."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        super().__init__(issues)
        self.issues = list(issues)

    def __str__(self) -> str:
        return "; ".join(issue.message for issue in self.issues)
