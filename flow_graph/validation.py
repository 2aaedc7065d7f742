"""Every problem of a flow document at once, each naming its node or edge.

Structure comes first (ids, types, configs, wires), then the graph (networkx: reachability from
the triggers, cycles without a waiting node), then properties against the workspace's
definitions. The work is linear in the size of the document.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from flow_graph.document import Edge, FlowDocument, Node
from flow_graph.errors import InvalidValueError
from flow_graph.graph import to_digraph
from flow_graph.issues import Issue, IssueCode, error, warning
from flow_graph.nodes import NodeType, PropertyUse, node_type
from flow_graph.property_types import PropertyInfo, normalize_value
from flow_graph.templating import placeholders
from flow_graph.wording import node_title, port_caption

MAX_LISTED = 6


@dataclass(frozen=True)
class _Known:
    """A node whose type exists and whose config is valid, with its ports worked out once (a
    decision with thousands of buttons must not cost thousands per wire)."""

    node: Node
    type: NodeType
    config: dict[str, Any]
    ports: tuple[str, ...]
    port_set: frozenset[str]


def validate(document: FlowDocument, properties: Mapping[str, PropertyInfo]) -> list[Issue]:
    """Every issue of the document; `has_errors` tells whether it may be published."""
    issues: list[Issue] = []
    titles = _titles(document)
    kinds, known = _check_nodes(document, issues)
    _check_edges(document, kinds, known, titles, issues)
    _check_graph(to_digraph(document), kinds, titles, issues)
    _check_ports(known, {(edge.source, edge.source_port) for edge in document.edges}, issues)
    for item in known.values():
        issues += _property_issues(item, properties)
    return issues


def _titles(document: FlowDocument) -> dict[str, str]:
    """Each node id's title in messages (the first node of a duplicated id names it)."""
    titles: dict[str, str] = {}
    for node in document.nodes:
        titles.setdefault(node.id, node_title(node, node_type(node.type)))
    return titles


def used_property_keys(document: FlowDocument) -> set[str]:
    """Keys of the properties a document reads or writes. A half-done node (invalid config)
    still holds on to the properties it names, so they cannot be deleted from under it."""
    keys: set[str] = set()
    for node in document.nodes:
        kind = node_type(node.type)
        if kind is None:
            continue
        for config_field in kind.fields:
            keys |= _named_keys(config_field.kind, node.config.get(config_field.name))
        config, problems = kind.parse_config(node.config)
        if not problems:
            keys |= {key for text in kind.texts(config) for key in placeholders(text)}
    return keys


def _named_keys(kind: str, raw: Any) -> set[str]:
    """The property keys a raw config field names, whatever else is wrong with it."""
    if kind == "property" and isinstance(raw, str):
        return {raw}
    if kind == "updates" and isinstance(raw, list):
        return {
            item["key"]
            for item in raw
            if isinstance(item, dict) and isinstance(item.get("key"), str)
        }
    return set()


def _check_nodes(
    document: FlowDocument, issues: list[Issue]
) -> tuple[dict[str, NodeType], dict[str, _Known]]:
    """The type of each node (by id, first wins) and the nodes whose config is also valid.

    Being a trigger or waiting belongs to the type, so a trigger with a bad URL still counts
    as a trigger: its INVALID_CONFIG is reported, not a misleading NO_TRIGGER or loop.
    """
    kinds: dict[str, NodeType] = {}
    known: dict[str, _Known] = {}
    seen: set[str] = set()
    for node in document.nodes:
        if node.id in seen:
            issues.append(
                error(
                    IssueCode.DUPLICATE_ID,
                    f"Two nodes have the id '{node.id}': give one of them another id",
                    node=node.id,
                )
            )
            continue
        seen.add(node.id)
        kind = node_type(node.type)
        if kind is None:
            issues.append(
                error(
                    IssueCode.UNKNOWN_NODE_TYPE,
                    f"{node_title(node, None)} is not a kind of node this version knows",
                    node=node.id,
                )
            )
            continue
        kinds[node.id] = kind
        config, problems = kind.parse_config(node.config)
        for problem in problems:
            issues.append(
                error(
                    IssueCode.INVALID_CONFIG,
                    f"{node_title(node, kind)} ({kind.label}): {problem}",
                    node=node.id,
                )
            )
        if not problems:
            ports = tuple(kind.output_ports(config))
            known[node.id] = _Known(node, kind, config, ports, frozenset(ports))
    if not any(kind.is_trigger for kind in kinds.values()):
        issues.append(error(IssueCode.NO_TRIGGER, "The flow has no trigger: add one to start it"))
    return kinds, known


def _check_edges(
    document: FlowDocument,
    kinds: Mapping[str, NodeType],
    known: Mapping[str, _Known],
    titles: Mapping[str, str],
    issues: list[Issue],
) -> None:
    node_ids = {node.id for node in document.nodes}
    edge_ids: set[str] = set()
    used_ports: set[tuple[str, str]] = set()
    for edge in document.edges:
        if edge.id in edge_ids:
            issues.append(
                error(
                    IssueCode.DUPLICATE_ID,
                    f"Two wires have the id '{edge.id}': give one of them another id",
                    edge=edge.id,
                )
            )
        edge_ids.add(edge.id)
        missing = [end for end in (edge.source, edge.target) if end not in node_ids]
        if missing:
            names = " and ".join(f"'{end}'" for end in missing)
            issues.append(
                error(
                    IssueCode.DANGLING_EDGE,
                    f"A wire ('{edge.id}') connects a node that does not exist ({names})",
                    edge=edge.id,
                )
            )
            continue
        source = known.get(edge.source)
        if source is not None and edge.source_port not in source.port_set:
            issues.append(_unknown_port(edge, source, titles[edge.source]))
        elif (edge.source, edge.source_port) in used_ports:
            issues.append(
                error(
                    IssueCode.PORT_USED_TWICE,
                    f"{titles[edge.source]} — {_caption(source, edge.source_port)} has more "
                    "than one wire: keep one",
                    edge=edge.id,
                    node=edge.source,
                )
            )
        used_ports.add((edge.source, edge.source_port))
        target = kinds.get(edge.target)
        if target is not None and target.is_trigger:
            issues.append(
                error(
                    IssueCode.TRIGGER_HAS_INPUT,
                    f"A wire leads into the trigger {titles[edge.target]}: a trigger only "
                    "starts the flow, nothing leads into it",
                    edge=edge.id,
                    node=edge.target,
                )
            )


def _caption(source: _Known | None, port: str) -> str:
    return port_caption(source.type, source.config, port) if source else f"the '{port}' exit"


def _unknown_port(edge: Edge, source: _Known, title: str) -> Issue:
    ports = _listed(source.ports, ", ") or "none"
    return error(
        IssueCode.UNKNOWN_PORT,
        f"{title} has no exit '{edge.source_port}' for a wire to leave from (its ports: {ports})",
        edge=edge.id,
        node=edge.source,
    )


def _check_graph(
    graph: nx.DiGraph,
    kinds: Mapping[str, NodeType],
    titles: Mapping[str, str],
    issues: list[Issue],
) -> None:
    triggers = [node_id for node_id, kind in kinds.items() if kind.is_trigger]
    if triggers:
        # One breadth-first search from all triggers at once: a descendants() call per trigger
        # would walk shared nodes once per trigger (quadratic with thousands of triggers).
        reachable = {node_id for layer in nx.bfs_layers(graph, triggers) for node_id in layer}
        for node_id in graph.nodes:
            if node_id not in reachable:
                issues.append(
                    error(
                        IssueCode.UNREACHABLE_NODE,
                        f"{titles[node_id]} never runs: no wire leads to it from a trigger",
                        node=node_id,
                    )
                )
    waiting = [node_id for node_id, kind in kinds.items() if kind.waits]
    for cycle in _cycles_without(graph, waiting):
        issues.append(
            error(
                IssueCode.INFINITE_LOOP,
                f"The loop {_listed([titles[node_id] for node_id in cycle], ' → ')} has no "
                "question or decision on it, so it would run forever",
                node=cycle[0],
            )
        )


def _cycles_without(graph: nx.DiGraph, waiting: Sequence[str]) -> Iterator[list[str]]:
    """One node list per loop that no waiting node interrupts (strongly connected parts)."""
    remainder = graph.subgraph(set(graph.nodes) - set(waiting))
    for component in nx.strongly_connected_components(remainder):
        members = sorted(component)
        if len(members) > 1 or remainder.has_edge(members[0], members[0]):
            yield members


def _listed(names: Sequence[str], separator: str) -> str:
    """At most MAX_LISTED names, so a message stays readable however big the flow is."""
    more = separator + "…" if len(names) > MAX_LISTED else ""
    return separator.join(names[:MAX_LISTED]) + more


def _check_ports(
    known: Mapping[str, _Known], wired: set[tuple[str, str]], issues: list[Issue]
) -> None:
    """An output with nothing connected ends the flow there, as a designer expects: only a
    question that saves nothing warns, since the visitor's answer would go nowhere."""
    for node_id, item in known.items():
        if not item.type.waits or item.type.property_uses(item.config):
            continue
        title = node_title(item.node, item.type)
        for port in item.ports:
            if (node_id, port) in wired or port in item.type.optional_ports:
                continue
            code = IssueCode.DEAD_END if port == "next" else IssueCode.UNCONNECTED_PORT
            caption = "the answer" if port == "next" else port_caption(item.type, item.config, port)
            issues.append(warning(code, f"{title} — {caption} leads nowhere", node=node_id))


def _property_issues(item: _Known, properties: Mapping[str, PropertyInfo]) -> list[Issue]:
    title = node_title(item.node, item.type)
    issues = [
        issue
        for use in item.type.property_uses(item.config)
        for issue in _use_issues(item.node, title, use, properties)
    ]
    for text in item.type.texts(item.config):
        for key in placeholders(text):
            info = properties.get(key)
            if info is None:
                issues.append(
                    warning(
                        IssueCode.UNKNOWN_PLACEHOLDER,
                        f"{title} shows {{{key}}}, but there is no property '{key}'",
                        node=item.node.id,
                    )
                )
            elif info.hidden:
                issues.append(_hidden(item.node, title, key))
    return issues


def _use_issues(
    node: Node, title: str, use: PropertyUse, properties: Mapping[str, PropertyInfo]
) -> list[Issue]:
    info = properties.get(use.key)
    if info is None:
        return [
            error(
                IssueCode.UNKNOWN_PROPERTY,
                f"{title} uses the property '{use.key}', which does not exist (any more)",
                node=node.id,
            )
        ]
    if use.types and info.type not in use.types:
        needed = " or ".join(t.value for t in use.types)
        return [
            error(
                IssueCode.PROPERTY_TYPE_MISMATCH,
                f"{title} needs a {needed} property, and '{use.key}' is {info.type.value}",
                node=node.id,
            )
        ]
    issues = [_hidden(node, title, use.key)] if info.hidden else []
    for value in use.values:
        try:
            normalize_value(info.type, value, options=info.options, key=use.key)
        except InvalidValueError as refused:
            issues.append(error(IssueCode.INVALID_VALUE, f"{title}: {refused}", node=node.id))
    return issues


def _hidden(node: Node, title: str, key: str) -> Issue:
    return warning(
        IssueCode.HIDDEN_PROPERTY,
        f"{title} uses the hidden property '{key}': unhide it or choose another",
        node=node.id,
    )
