"""The flow document: nodes and edges as frozen dataclasses, parsed with every problem listed.

`parse_document` checks the shape only (ids, field types, limits). What the graph means (unknown
node types, duplicate ids, dangling edges) is for `validation.validate`, so a half-done draft
still parses and can be saved.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from flow_graph.errors import InvalidDocumentError
from flow_graph.issues import Issue, IssueCode, Severity

MAX_NODES = 10_000
MAX_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64
MAX_ID_LENGTH = 200
_TOO_DEEP = f"is nested deeper than {MAX_DEPTH} levels"


@dataclass(frozen=True)
class Position:
    x: float = 0.0
    y: float = 0.0


@dataclass(frozen=True)
class Node:
    id: str
    type: str
    position: Position = field(default_factory=Position)
    config: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Edge:
    id: str
    source: str
    source_port: str
    target: str


@dataclass(frozen=True)
class FlowDocument:
    nodes: tuple[Node, ...] = ()
    edges: tuple[Edge, ...] = ()


def parse_document(raw: Any) -> FlowDocument:
    """A FlowDocument from decoded JSON (or a JSON string); InvalidDocumentError lists every
    problem of its shape.

    A document past a limit (nesting, then size) is refused with that one problem, before
    anything else is looked at: it is hostile or broken, not a draft to fix field by field.
    """
    if isinstance(raw, str | bytes):
        if len(raw) > MAX_BYTES:
            raise InvalidDocumentError([_problem("", f"is over {MAX_BYTES:,} bytes")])
        try:
            raw = json.loads(raw)
        except RecursionError:
            raise InvalidDocumentError([_problem("", _TOO_DEEP)]) from None
        except ValueError as error:
            raise InvalidDocumentError([_problem("", f"is not JSON ({error})")]) from None
    problems = _nesting_problems(raw) or _size_problems(raw)
    if problems:
        raise InvalidDocumentError(problems)
    if not isinstance(raw, dict):
        raise InvalidDocumentError([_problem("", "must be an object with nodes and edges")])
    nodes = _items(raw, "nodes", problems)
    edges = _items(raw, "edges", problems)
    if len(nodes) > MAX_NODES:
        problems.append(_problem("nodes", f"has {len(nodes):,} nodes; at most {MAX_NODES:,}"))
    parsed_nodes = [_node(index, item, problems) for index, item in enumerate(nodes)]
    parsed_edges = [_edge(index, item, problems) for index, item in enumerate(edges)]
    if problems:
        raise InvalidDocumentError(problems)
    return FlowDocument(
        nodes=tuple(node for node in parsed_nodes if node is not None),
        edges=tuple(edge for edge in parsed_edges if edge is not None),
    )


def to_json(document: FlowDocument) -> dict[str, Any]:
    """The document as JSON data, in the shape parse_document reads."""
    return {
        "nodes": [
            {
                "id": node.id,
                "type": node.type,
                "position": {"x": node.position.x, "y": node.position.y},
                "config": node.config,
            }
            for node in document.nodes
        ],
        "edges": [
            {"id": edge.id, "source": edge.source, "sourcePort": edge.source_port,
             "target": edge.target}
            for edge in document.edges
        ],
    }  # fmt: skip


def _nesting_problems(raw: Any) -> list[Issue]:
    """The first place nested past MAX_DEPTH (the document itself is level 1), named down to
    the node or edge part that holds it, like `nodes[3].config`."""
    path = _deep_path(raw, 1) if isinstance(raw, dict | list) else None
    if path is None:
        return []
    shown = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path[:3])
    owner = _owner_id(raw, path)
    return [
        _problem(
            shown.removeprefix("."),
            _TOO_DEEP,
            node_id=owner if path[0] == "nodes" else None,
            edge_id=owner if path[0] == "edges" else None,
        )
    ]


def _deep_path(value: Any, depth: int) -> list[str | int] | None:
    """Keys down to the first container past MAX_DEPTH; it stops there, so the recursion stays
    as shallow as the limit (and the encoder never sees anything deeper)."""
    if depth > MAX_DEPTH:
        return []
    children = value.items() if isinstance(value, dict) else enumerate(value)
    for name, child in children:
        if isinstance(child, dict | list):
            found = _deep_path(child, depth + 1)
            if found is not None:
                return [name, *found]
    return None


def _owner_id(raw: Any, path: list[str | int]) -> str | None:
    """The id of the node or edge `path` runs through, when it has a usable one."""
    if path[0] not in ("nodes", "edges") or not isinstance(path[1], int):
        return None
    item = raw[path[0]][path[1]]
    owner = item.get("id") if isinstance(item, dict) else None
    return owner if isinstance(owner, str) else None


def _size_problems(raw: Any) -> list[Issue]:
    """Too big, not JSON (a lone surrogate fails the UTF-8 encoding), or a NUL character in a
    text, which PostgreSQL's JSON columns cannot store."""
    try:
        encoded = json.dumps(raw, ensure_ascii=False, allow_nan=False)
        size = len(encoded.encode())
    except (TypeError, ValueError):
        return [_problem("", "contains values that are not JSON")]
    if size > MAX_BYTES:
        return [_problem("", f"is {size:,} bytes; at most {MAX_BYTES:,}")]
    if "\\u0000" in encoded and _has_nul(raw):  # json.dumps writes NUL as \\u0000: cheap first
        return [_problem("", "contains a NUL character (\\u0000) in a text")]
    return []


def _has_nul(raw: Any) -> bool:
    pending = [raw]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            pending += item
    return False


def _items(raw: dict[str, Any], name: str, problems: list[Issue]) -> list[Any]:
    items = raw.get(name, [])
    if not isinstance(items, list):
        problems.append(_problem(name, "must be a list"))
        return []
    return items


def _node(index: int, raw: Any, problems: list[Issue]) -> Node | None:
    path = f"nodes[{index}]"
    if not isinstance(raw, dict):
        problems.append(_problem(path, "must be an object"))
        return None
    before = len(problems)
    node_id = _text(raw, "id", path, problems)
    node_type = _text(raw, "type", path, problems, node_id=node_id)
    config = raw.get("config", {})
    if config is None:
        config = {}
    if not isinstance(config, dict):
        problems.append(_problem(f"{path}.config", "must be an object", node_id=node_id))
    position = _position(raw.get("position"), path, problems, node_id)
    if len(problems) > before:
        return None
    return Node(id=node_id or "", type=node_type or "", position=position, config=config)


def _edge(index: int, raw: Any, problems: list[Issue]) -> Edge | None:
    path = f"edges[{index}]"
    if not isinstance(raw, dict):
        problems.append(_problem(path, "must be an object"))
        return None
    before = len(problems)
    edge_id = _text(raw, "id", path, problems)
    source = _text(raw, "source", path, problems, edge_id=edge_id)
    port = _text(raw, "sourcePort", path, problems, edge_id=edge_id)
    target = _text(raw, "target", path, problems, edge_id=edge_id)
    if len(problems) > before:
        return None
    return Edge(id=edge_id or "", source=source or "", source_port=port or "", target=target or "")


def _text(
    raw: dict[str, Any],
    name: str,
    path: str,
    problems: list[Issue],
    *,
    node_id: str | None = None,
    edge_id: str | None = None,
) -> str | None:
    value = raw.get(name)
    if name == "sourcePort" and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a decision's port 0 is "0"
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        reason = (
            "is missing" if value is None else f"must be a text of 1 to {MAX_ID_LENGTH} characters"
        )
        problems.append(_problem(f"{path}.{name}", reason, node_id=node_id, edge_id=edge_id))
        return None
    return value


def _position(raw: Any, path: str, problems: list[Issue], node_id: str | None) -> Position:
    if raw is None:
        return Position()
    coordinates = [raw.get(axis, 0) for axis in ("x", "y")] if isinstance(raw, dict) else []
    numbers = [_finite(value) for value in coordinates]
    if len(numbers) != 2 or None in numbers:
        reason = "must be an object with finite numbers x and y"
        problems.append(_problem(f"{path}.position", reason, node_id=node_id))
        return Position()
    return Position(x=numbers[0] or 0.0, y=numbers[1] or 0.0)


def _finite(value: Any) -> float | None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _problem(
    path: str, reason: str, *, node_id: str | None = None, edge_id: str | None = None
) -> Issue:
    return Issue(
        code=IssueCode.INVALID_DOCUMENT,
        severity=Severity.ERROR,
        message=f"'{path}' {reason}" if path else f"The document {reason}",
        node_id=node_id,
        edge_id=edge_id,
    )
