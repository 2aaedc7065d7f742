// The flow drawn small on a <canvas>: a rectangle per node in its category's colour and a line
// per wire. The canvas shows it instead of the DOM when zoomed far out (1,000 DOM nodes would
// cost every frame, and their text would be too small to read), and the minimap draws with it.
//
// The shapes are built once per document change as a few Path2D objects (one per colour), so a
// frame of zooming or panning only fills five paths under a new transform, instead of walking
// 1,000 nodes and changing the fill colour for each.
import { nodeSize } from "./canvas_node.js";
import { subscribe } from "./events.js";
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
const SELECTED = "#4f46e5";
const WIRE = "#8b93a7";

let sketch = null;

// The cached shapes are dropped whenever the drawing's geometry may have changed.
export function init() {
  return subscribe({
    "document:load": forget,
    "document:change": ({ command }) => model.changesLayout(command) && forget(),
  });
}

function forget() {
  sketch = null;
}

// Draws the document on `canvas` ({width, height}: its CSS size, passed in so that drawing does
// not read the layout) under `view` ({x, y, scale}). `outlines` maps node ids to "selected",
// "error" or "warning" (few nodes: drawn one by one).
export function drawOverview(canvas, view, outlines, { width, height }) {
  const ratio = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const context = canvas.getContext("2d");
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  context.setTransform(ratio * view.scale, 0, 0, ratio * view.scale, ratio * view.x, ratio * view.y);
  sketch ??= drawn();
  context.strokeStyle = WIRE;
  context.lineWidth = Math.max(1, 1.5 / view.scale);
  context.stroke(sketch.wires);
  for (const [colour, path] of sketch.boxes) {
    context.fillStyle = colour;
    context.fill(path);
  }
  context.lineWidth = Math.max(3, 3 / view.scale);
  for (const [nodeId, look] of outlines) {
    const node = model.node(nodeId);
    if (!node) continue;
    const { width: w, height: h } = nodeSize(node, false);
    context.strokeStyle = look === "selected" ? SELECTED : SEVERITY[look];
    context.strokeRect(node.position.x, node.position.y, w, h);
  }
}

function drawn() {
  const wires = new Path2D();
  for (const edge of model.current().edges) {
    const from = model.node(edge.source);
    const to = model.node(edge.target);
    if (!from || !to) continue;
    wires.moveTo(from.position.x + nodeSize(from, false).width, from.position.y + 20);
    wires.lineTo(to.position.x, to.position.y + 20);
  }
  const boxes = new Map();
  for (const node of model.current().nodes) {
    const colour = COLOURS[catalogue.rules(node.type)?.category] ?? COLOURS.logic;
    if (!boxes.has(colour)) boxes.set(colour, new Path2D());
    const { width, height } = nodeSize(node, false);
    boxes.get(colour).rect(node.position.x, node.position.y, width, height);
  }
  return { wires, boxes };
}
