// The flow drawn small on a <canvas>: a rectangle per node in its category's colour and a line
// per wire. The canvas shows it instead of the DOM when zoomed far out (1,000 DOM nodes would
// cost every frame, and their text would be too small to read), and the minimap draws with it.
import { nodeSize } from "./canvas_node.js";
import * as model from "./model.js";
import * as catalogue from "./node_types/index.js";

const COLOURS = {
  trigger: "#16a34a",
  message: "#2563eb",
  question: "#9333ea",
  property: "#ea580c",
  logic: "#64748b",
};
const SEVERITY = { error: "#dc2626", warning: "#d97706" };

// Draws the document on `canvas` (sized to its CSS box) under `view` ({x, y, scale}).
// `look(nodeId)` may name a node's severity and whether it is selected.
export function drawOverview(canvas, view, look = () => ({})) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const context = canvas.getContext("2d");
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  context.setTransform(ratio * view.scale, 0, 0, ratio * view.scale, ratio * view.x, ratio * view.y);
  const { nodes, edges } = model.current();
  context.beginPath();
  for (const edge of edges) {
    const from = model.node(edge.source);
    const to = model.node(edge.target);
    if (!from || !to) continue;
    context.moveTo(from.position.x + nodeSize(from, false).width, from.position.y + 20);
    context.lineTo(to.position.x, to.position.y + 20);
  }
  context.strokeStyle = "#8b93a7";
  context.lineWidth = Math.max(1, 1.5 / view.scale);
  context.stroke();
  for (const node of nodes) {
    const { severity, selected } = look(node.id);
    const { width: w, height: h } = nodeSize(node, false);
    context.fillStyle = COLOURS[catalogue.rules(node.type)?.category] ?? COLOURS.logic;
    context.fillRect(node.position.x, node.position.y, w, h);
    if (severity || selected) {
      context.strokeStyle = selected ? "#4f46e5" : SEVERITY[severity];
      context.lineWidth = Math.max(3, 3 / view.scale);
      context.strokeRect(node.position.x, node.position.y, w, h);
    }
  }
}
