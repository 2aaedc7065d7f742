"""A large, valid flow laid out on a grid, for the editor's benchmark and its 1,000-node test.

A trigger, then a chain of messages, counters and two-button decisions whose second button loops
back, ending in an End node: every node is reachable and wired, as in a designer's big flow.
"""

from __future__ import annotations

from typing import Any

COLUMNS = 25
STEP_X = 280
STEP_Y = 170
PROPERTY = "page_views"
KINDS: list[tuple[str, dict[str, Any]]] = [
    ("increment_property", {"key": PROPERTY, "by": 1}),
    ("send_message", {"text": "Hi there, welcome back!"}),
    ("decision", {"text": "Want to see more?", "options": ["Yes", "No"]}),
]


def big_flow(size: int) -> dict[str, Any]:
    """A flow document of `size` nodes (at least 3) that validates without issues."""
    nodes = [
        _node(0, "page_visit", {"url": "/pricing", "match": "contains", "limit": "every_visit"})
    ]
    edges: list[dict[str, Any]] = []
    for index in range(1, size - 1):
        kind, config = KINDS[index % len(KINDS)]
        nodes.append(_node(index, kind, config))
        edges.append(_edge(nodes[-2], nodes[-1]))
        if kind == "decision":
            edges.append({**_edge(nodes[-1], nodes[max(1, index - 2)]), "sourcePort": "1"})
            edges[-1]["id"] = f"e{index}:1"
    nodes.append(_node(size - 1, "end", {}))
    edges.append(_edge(nodes[-2], nodes[-1]))
    return {"nodes": nodes, "edges": edges}


def _node(index: int, type: str, config: dict[str, Any]) -> dict[str, Any]:
    row, column = divmod(index, COLUMNS)
    position = {"x": column * STEP_X, "y": row * STEP_Y}
    return {"id": f"n{index}", "type": type, "position": position, "config": dict(config)}


def _edge(source: dict[str, Any], target: dict[str, Any]) -> dict[str, Any]:
    port = "0" if source["type"] == "decision" else "next"
    return {
        "id": f"e{source['id']}",
        "source": source["id"],
        "sourcePort": port,
        "target": target["id"],
    }
