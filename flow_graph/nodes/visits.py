"""Triggers on a visitor's page views beyond "Visitor opens a page": the first visit, a returning
visitor (a page view after at least N minutes without one), and a visitor who stays on a
matching page for N seconds (cancelled by another page view first)."""

from __future__ import annotations

from typing import Any

from flow_graph.nodes.base import ConfigField, NodeType
from flow_graph.nodes.page_visit import LIMITS, MATCHES

MAX_STAY_SECONDS = 3600
MAX_AWAY_MINUTES = 60 * 24 * 365


class FirstVisit(NodeType):
    type = "first_visit"
    label = "First visit"
    category = "trigger"
    is_trigger = True


class ReturningVisitor(NodeType):
    type = "returning_visitor"
    label = "Returning visitor"
    category = "trigger"
    is_trigger = True
    fields = (ConfigField("minutes", "integer", "Away for at least (minutes)", default=30),)

    def extra_problems(self, config: dict[str, Any]) -> list[str]:
        if not 1 <= config["minutes"] <= MAX_AWAY_MINUTES:
            return [f"'minutes' must be between 1 and {MAX_AWAY_MINUTES}"]
        return []


class VisitorStays(NodeType):
    type = "visitor_stays"
    label = "Visitor stays on a page"
    category = "trigger"
    is_trigger = True
    fields = (
        ConfigField("match", "enum", "URL match", default="contains", choices=MATCHES),
        ConfigField("url", "text", "URL", required=True),
        ConfigField("seconds", "integer", "For (seconds)", default=30),
        ConfigField("limit", "enum", "Limit", default="once_per_visitor", choices=LIMITS),
    )

    def extra_problems(self, config: dict[str, Any]) -> list[str]:
        if not 1 <= config["seconds"] <= MAX_STAY_SECONDS:
            return [f"'seconds' must be between 1 and {MAX_STAY_SECONDS}"]
        return []
