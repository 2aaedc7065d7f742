"""Flow validation at 1,000 and 10,000 nodes; the baseline is decoding the same 10k document.

Two more 10k shapes guard linearity where a naive check is quadratic: thousands of triggers
sharing one chain (reachability), and one decision with thousands of buttons (port lookups).
"""

from __future__ import annotations

import gc
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from flow_graph import PropertyInfo, PropertyType, parse_document, validate

REPEATS = 5
PROPERTIES = {
    "page_views": PropertyInfo("page_views", PropertyType.NUMBER),
    "name": PropertyInfo("name", PropertyType.TEXT),
}


def chain(size: int) -> dict[str, Any]:
    """A trigger, then decisions whose buttons loop back through counters and messages."""
    nodes: list[dict[str, Any]] = [_node("n0", "page_visit", url="/pricing", limit="every_visit")]
    edges: list[dict[str, Any]] = []
    kinds = [
        ("increment_property", {"key": "page_views", "by": 1}),
        ("send_message", {"text": "Hi {name|there}"}),
        ("decision", {"text": "More?", "options": ["Yes", "No"]}),
    ]
    for index in range(1, size - 1):
        kind, config = kinds[index % len(kinds)]
        nodes.append(_node(f"n{index}", kind, **config))
        edges.append(_edge(f"n{index - 1}", _first_port(nodes[-2]), f"n{index}"))
        if kind == "decision":
            edges.append(_edge(f"n{index}", "1", f"n{max(1, index - 2)}"))
    nodes.append(_node(f"n{size - 1}", "end"))
    edges.append(_edge(f"n{size - 2}", _first_port(nodes[-2]), f"n{size - 1}"))
    return {"nodes": nodes, "edges": edges}


def many_triggers(size: int) -> dict[str, Any]:
    """Half the nodes are triggers, all wired into a chain of messages made of the other half."""
    half = size // 2
    nodes = [_node(f"t{i}", "page_visit", url=f"/p{i}") for i in range(half)]
    nodes += [_node(f"m{i}", "send_message", text="Hi") for i in range(half - 1)]
    nodes.append(_node(f"m{half - 1}", "end"))
    edges = [_edge(f"t{i}", "next", "m0") for i in range(half)]
    edges += [_edge(f"m{i}", "next", f"m{i + 1}") for i in range(half - 1)]
    return {"nodes": nodes, "edges": edges}


def big_decision(size: int) -> dict[str, Any]:
    """A trigger, then one decision whose every button leads to its own end."""
    buttons = size - 2
    nodes = [
        _node("t", "page_visit", url="/pricing"),
        _node("q", "decision", text="Pick one", options=[f"Option {i}" for i in range(buttons)]),
        *(_node(f"e{i}", "end") for i in range(buttons)),
    ]
    edges = [_edge("t", "next", "q"), *(_edge("q", str(i), f"e{i}") for i in range(buttons))]
    return {"nodes": nodes, "edges": edges}


def rows() -> list[tuple[str, float, float | None]]:
    large = chain(10_000)
    encoded = json.dumps(large)
    documents = {
        "validate, 1,000 nodes": parse_document(chain(1_000)),
        "validate, 10,000 nodes": parse_document(large),
        "validate, 10,000 nodes, 5,000 triggers": parse_document(many_triggers(10_000)),
        "validate, 10,000 nodes, a 9,998-button decision": parse_document(big_decision(10_000)),
    }
    for name, document in documents.items():
        assert not validate(document, PROPERTIES), f"{name}: the benchmark flow must be valid"
    return [
        ("json.loads, 10,000 nodes (baseline)", _median_ms(lambda: json.loads(encoded)), None),
        ("parse_document, 10,000 nodes", _median_ms(lambda: parse_document(large)), None),
        *(
            (name, _median_ms(lambda document=document: validate(document, PROPERTIES)), None)
            for name, document in documents.items()
        ),
    ]


def _median_ms(run: Callable[[], object]) -> float:
    """Median of REPEATS runs with the garbage collector paused, as `timeit` does."""
    timings = []
    for _ in range(REPEATS):
        gc.collect()
        gc.disable()
        try:
            started = time.perf_counter()
            run()
            timings.append((time.perf_counter() - started) * 1000)
        finally:
            gc.enable()
    return statistics.median(timings)


def _node(node_id: str, type: str, **config: Any) -> dict[str, Any]:
    return {"id": node_id, "type": type, "position": {"x": 0, "y": 0}, "config": config}


def _edge(source: str, port: str, target: str) -> dict[str, Any]:
    return {"id": f"{source}:{port}", "source": source, "sourcePort": port, "target": target}


def _first_port(node: dict[str, Any]) -> str:
    return "0" if node["type"] == "decision" else "next"
