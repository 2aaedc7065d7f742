// Lays a flow out left to right with dagre, off the main thread (1,000 nodes take about a
// second). Receives {nodes: [{id, width, height}], edges: [{source, target}]} and answers
// {positions: {id: {x, y}}}, the top-left corner of each node.
import * as dagre from "../vendor/dagre/dagre.esm.js";

self.onmessage = ({ data: { nodes, edges } }) => {
  const graph = new dagre.graphlib.Graph({ multigraph: true });
  graph.setGraph({ rankdir: "LR", nodesep: 36, ranksep: 90, edgesep: 20 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) graph.setNode(node.id, { width: node.width, height: node.height });
  edges.forEach((edge, index) => graph.setEdge(edge.source, edge.target, {}, String(index)));
  dagre.layout(graph);
  const positions = {};
  for (const id of graph.nodes()) {
    const { x, y, width, height } = graph.node(id);
    positions[id] = { x: x - width / 2, y: y - height / 2 };
  }
  self.postMessage({ positions });
};
