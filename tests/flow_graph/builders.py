"""Literal flow documents for unit tests: doc(node("n1", "page_visit", url="/x"), edge(...))."""

from __future__ import annotations

from typing import Any

from flow_graph import FlowDocument, PropertyInfo, PropertyType, parse_document

DEFAULTS: dict[str, dict[str, Any]] = {
    "page_visit": {"match": "prefix", "url": "/pricing", "limit": "every_visit"},
    "send_message": {"text": "Hello"},
    "decision": {"text": "Pick one", "options": ["A", "B"]},
    "ask_question": {"text": "Your size?", "saveTo": None},
    "update_property": {"updates": [{"key": "plan", "value": "Pro"}]},
    "increment_property": {"key": "page_views", "by": 1},
    "condition": {"key": "page_views", "op": "GT", "value": 3},
    "hand_off": {},
    "visitor_stays": {"match": "prefix", "url": "/pricing", "seconds": 30},
    "property_changed": {"key": "page_views", "op": "GTE", "value": 3, "limit": "every_time"},
    "call_webhook": {"url": "https://hooks.example.com/lead", "keys": ["email"]},
    "wait": {"mode": "duration", "amount": 2, "unit": "hours"},
    "end": {},
}


def node(node_id: str, type: str, **config: Any) -> dict[str, Any]:
    return {
        "id": node_id,
        "type": type,
        "position": {"x": 0, "y": 0},
        "config": {**DEFAULTS.get(type, {}), **config},
    }


def edge(source: str, port: str, target: str, edge_id: str | None = None) -> dict[str, Any]:
    return {
        "id": edge_id or f"{source}.{port}->{target}",
        "source": source,
        "sourcePort": port,
        "target": target,
    }


def raw_doc(*items: dict[str, Any]) -> dict[str, Any]:
    return {
        "nodes": [item for item in items if "type" in item],
        "edges": [item for item in items if "sourcePort" in item],
    }


def doc(*items: dict[str, Any]) -> FlowDocument:
    return parse_document(raw_doc(*items))


PROPERTIES = {
    info.key: info
    for info in (
        PropertyInfo("name", PropertyType.TEXT),
        PropertyInfo("email", PropertyType.EMAIL),
        PropertyInfo("page_views", PropertyType.NUMBER),
        PropertyInfo("shoe_size", PropertyType.NUMBER),
        PropertyInfo("plan", PropertyType.SELECT, options=("Free", "Pro")),
        PropertyInfo("vip", PropertyType.BOOLEAN),
        PropertyInfo("birthday", PropertyType.DATE),
        PropertyInfo("secret", PropertyType.TEXT, hidden=True),
    )
}
