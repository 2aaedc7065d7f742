"""The one place a networkx graph is built from a flow document."""

from __future__ import annotations

import networkx as nx

from flow_graph.document import FlowDocument


def to_digraph(document: FlowDocument) -> nx.DiGraph:
    """Nodes by id (with their Node as `node`), an edge per wire whose ends both exist.

    Duplicate node ids keep the first node; dangling wires are left out (validation reports
    both).
    """
    graph = nx.DiGraph()
    for node in document.nodes:
        if node.id not in graph:
            graph.add_node(node.id, node=node)
    for edge in document.edges:
        if edge.source in graph and edge.target in graph:
            graph.add_edge(edge.source, edge.target, edge=edge)
    return graph
