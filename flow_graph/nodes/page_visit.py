"""Trigger: a visitor opens a page whose URL matches."""

from __future__ import annotations

from flow_graph.nodes.base import ConfigField, NodeType

MATCHES = ("exact", "contains", "prefix", "glob")
LIMITS = ("once_per_visitor", "every_visit")


class PageVisit(NodeType):
    type = "page_visit"
    label = "Visitor opens a page"
    category = "trigger"
    is_trigger = True
    fields = (
        ConfigField("match", "enum", "URL match", default="contains", choices=MATCHES),
        ConfigField("url", "text", "URL", required=True),
        ConfigField("limit", "enum", "Limit", default="once_per_visitor", choices=LIMITS),
    )
