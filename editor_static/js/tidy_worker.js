// Lays a flow out left to right with dagre, off the main thread (1,000 nodes take about a
// second). Receives {nodes: [{id, width, height}], edges: [{id, source, target}]} and answers
// {positions: {id: {x, y}}, routes: {edgeId: [{x, y}, ...]}}: the top-left corner of each node,
// and for each wire the points it passes between its two ends so that it crosses no node.
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
    positions[id] = { x: Math.round(x - width / 2), y: Math.round(y - height / 2) };
  }
  const columns = columnsOf(nodes, positions);
  const routes = {};
  edges.forEach((edge, index) => {
    const { points } = graph.edge({ v: edge.source, w: edge.target, name: String(index) });
    routes[edge.id] = through(points, columns);
  });
  self.postMessage({ positions, routes });
};

// The x ranges that nodes occupy: dagre puts every node of a rank in one column.
function columnsOf(nodes, positions) {
  const columns = new Map();
  for (const node of nodes) {
    const left = positions[node.id].x;
    columns.set(left, Math.max(columns.get(left) ?? 0, node.width));
  }
  return [...columns].map(([left, width]) => ({ left, right: left + width }));
}

// dagre's points between the wire's ends, where a point inside a column becomes a level run
// across it: dagre keeps that height clear of the column's nodes, whereas a slanted line
// between two points could clip a node's corner. Between columns nothing stands in the way.
function through(points, columns) {
  const via = [];
  let previous = points[0];
  for (const point of points.slice(1, -1)) {
    const column = columns.find((range) => range.left <= point.x && point.x <= range.right);
    if (!column) via.push({ x: point.x, y: point.y });
    else if (point.x >= previous.x) via.push({ x: column.left, y: point.y }, { x: column.right, y: point.y });
    else via.push({ x: column.right, y: point.y }, { x: column.left, y: point.y });
    previous = point;
  }
  return via;
}
