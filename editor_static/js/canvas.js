// The canvas: draws the document (nodes as DOM boxes, wires as SVG paths) and turns gestures
// into model commands: drag a node to move it, drag from an output port to a node to wire them,
// click to select, drag the background to pan, wheel or buttons to zoom. It follows the
// model's node:*/edge:* events, so an edit redraws only what it touched.
import { fillNode, portPoint } from "./canvas_node.js";
import { element } from "./views.js";
import { emit, subscribe } from "./events.js";
import * as model from "./model.js";
import * as catalogue from "./node_types/index.js";
import { NODE_MIME } from "./palette.js";

const MIN_SCALE = 0.25;
const MAX_SCALE = 2;
const NUDGE = 10;

let root;
let world;
let wires;
let view = { x: 40, y: 40, scale: 1 };
let selection = null;
let boxes = new Map();
let paths = new Map();
let marks = new Map();
let counts = new Map();
let preview = new Map();

export function init(section) {
  root = section;
  world = element("div", { class: "pf-world" });
  wires = element("svg", { class: "pf-wires", "aria-hidden": "true" });
  world.append(wires);
  root.replaceChildren(world);
  boxes = new Map();
  paths = new Map();
  selection = null;
  root.addEventListener("dragover", (event) => event.preventDefault());
  root.addEventListener("drop", dropFromPalette);
  root.addEventListener("pointerdown", startPan);
  root.addEventListener("wheel", wheelZoom, { passive: false });
  root.addEventListener("keydown", nudge);
  return subscribe({
    "document:load": drawAll,
    "node:add": drawNode,
    "node:update": (node) => {
      drawNode(node);
      redrawWiresOf(node.id);
    },
    "node:remove": removeNode,
    "edge:add": drawWire,
    "edge:remove": (edge) => {
      paths.get(edge.id)?.remove();
      paths.delete(edge.id);
      if (selection?.edgeId === edge.id) select(null);
    },
    "issues:change": showIssues,
    "stats:change": showCounts,
    "preview:change": showPreview,
  });
}

export function select(next) {
  const previous = selection;
  selection = next;
  for (const id of [previous?.nodeId, next?.nodeId]) {
    if (id && model.node(id)) drawNode(model.node(id));
  }
  for (const id of [previous?.edgeId, next?.edgeId]) {
    if (id && paths.has(id)) setSelected(paths.get(id), id === next?.edgeId);
  }
  emit("selection:change", selection);
}

function setSelected(path, on) {
  if (on) path.setAttribute("data-selected", "true");
  else path.removeAttribute("data-selected");
}

export function selected() {
  return selection;
}

export function zoom(factor, center) {
  const point = center ?? { x: root.clientWidth / 2, y: root.clientHeight / 2 };
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.scale * factor));
  view = {
    scale,
    x: point.x - ((point.x - view.x) * scale) / view.scale,
    y: point.y - ((point.y - view.y) * scale) / view.scale,
  };
  applyView();
}

export function zoomTo(scale) {
  zoom(scale / view.scale);
}

export function fit() {
  const all = [...boxes.values()];
  if (!all.length) {
    view = { x: 40, y: 40, scale: 1 };
    return applyView();
  }
  const left = Math.min(...all.map((box) => box.offsetLeft));
  const top = Math.min(...all.map((box) => box.offsetTop));
  const right = Math.max(...all.map((box) => box.offsetLeft + box.offsetWidth));
  const bottom = Math.max(...all.map((box) => box.offsetTop + box.offsetHeight));
  const margin = 48;
  const scale = Math.min(
    1,
    Math.max(
      MIN_SCALE,
      Math.min(
        (root.clientWidth - 2 * margin) / (right - left),
        (root.clientHeight - 2 * margin) / (bottom - top),
      ),
    ),
  );
  view = {
    scale,
    x: (root.clientWidth - (right - left) * scale) / 2 - left * scale,
    y: Math.max(margin, (root.clientHeight - (bottom - top) * scale) / 2) - top * scale,
  };
  applyView();
}

// The point of the document at the middle of the visible canvas (where a clicked type lands).
export function visibleCenter() {
  return toDocument(
    root.getBoundingClientRect().left + root.clientWidth / 2,
    root.getBoundingClientRect().top + root.clientHeight / 3,
  );
}

export function reveal(nodeId) {
  const box = boxes.get(nodeId);
  if (!box) return;
  const x = box.offsetLeft * view.scale + view.x;
  const y = box.offsetTop * view.scale + view.y;
  if (x < 0 || y < 0 || x > root.clientWidth - 80 || y > root.clientHeight - 40) {
    view = { ...view, x: root.clientWidth / 3 - box.offsetLeft * view.scale, y: root.clientHeight / 3 - box.offsetTop * view.scale };
    applyView();
  }
}

function applyView() {
  world.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
  emit("view:change", view);
}

function toDocument(clientX, clientY) {
  const rect = root.getBoundingClientRect();
  return { x: (clientX - rect.left - view.x) / view.scale, y: (clientY - rect.top - view.y) / view.scale };
}

function drawAll(doc) {
  for (const box of boxes.values()) box.remove();
  for (const path of paths.values()) path.remove();
  boxes = new Map();
  paths = new Map();
  doc.nodes.forEach(drawNode);
  doc.edges.forEach(drawWire);
  // A reloaded document (a version opened, a restore) keeps the selection while it still exists.
  if (selection && !model.node(selection.nodeId) && !model.edge(selection.edgeId)) select(null);
}

function drawNode(node) {
  let box = boxes.get(node.id);
  if (!box) {
    box = element("div");
    box.addEventListener("pointerdown", (event) => pressNode(event, box));
    box.addEventListener("focus", () => selection?.nodeId !== box.dataset.nodeId && select({ nodeId: box.dataset.nodeId }));
    boxes.set(node.id, box);
    world.append(box);
  }
  fillNode(box, node, {
    mark: marks.get(`node:${node.id}`),
    count: counts.get(node.id),
    selected: selection?.nodeId === node.id,
    preview: preview.get(node.id),
  });
}

function removeNode(node) {
  boxes.get(node.id)?.remove();
  boxes.delete(node.id);
  if (selection?.nodeId === node.id) select(null);
}

function drawWire(edge) {
  const from = boxes.get(edge.source);
  const to = boxes.get(edge.target);
  paths.get(edge.id)?.remove();
  if (!from || !to) return;
  const d = curve(portPoint(from, edge.sourcePort), portPoint(to, "in"));
  const severity = marks.get(`edge:${edge.id}`)?.severity;
  const group = element(
    "g",
    {
      class: "pf-wire",
      "data-edge-id": edge.id,
      "data-severity": severity,
      "data-selected": selection?.edgeId === edge.id ? "true" : null,
      onPointerdown: (event) => {
        event.stopPropagation();
        select({ edgeId: edge.id });
      },
    },
    element("path", { class: "pf-wire-hit", d }),
    element("path", { class: "pf-wire-line", d }),
  );
  paths.set(edge.id, group);
  wires.append(group);
}

function redrawWiresOf(nodeId) {
  for (const edge of model.current().edges) {
    if (edge.source === nodeId || edge.target === nodeId) drawWire(edge);
  }
}

function redrawAllWires() {
  model.current().edges.forEach(drawWire);
}

function curve(from, to) {
  const bend = Math.max(50, Math.abs(to.x - from.x) / 2);
  return `M ${from.x} ${from.y} C ${from.x + bend} ${from.y}, ${to.x - bend} ${to.y}, ${to.x} ${to.y}`;
}

function showIssues(report) {
  marks = new Map();
  for (const issue of report.issues) {
    const key = issue.nodeId ? `node:${issue.nodeId}` : issue.edgeId ? `edge:${issue.edgeId}` : null;
    if (key && marks.get(key)?.severity !== "error") marks.set(key, issue);
  }
  model.current().nodes.forEach(drawNode);
  redrawAllWires();
}

function showCounts(stats) {
  counts = new Map(stats.map((stat) => [stat.nodeId, stat.entered]));
  model.current().nodes.forEach(drawNode);
  redrawAllWires();
}

function showPreview({ path, waitingAt }) {
  preview = new Map(path.map((id) => [id, "passed"]));
  if (waitingAt) preview.set(waitingAt, "waiting");
  model.current().nodes.forEach(drawNode);
}

function pressNode(event, box) {
  if (event.button !== 0) return;
  event.stopPropagation();
  const port = event.target.closest(".pf-port");
  if (port) return startWire(event, box, port.dataset.port);
  const id = box.dataset.nodeId;
  if (selection?.nodeId !== id) select({ nodeId: id });
  if (model.isReadOnly()) return;
  const start = toDocument(event.clientX, event.clientY);
  const origin = { ...model.node(id).position };
  let moved = false;
  track(
    (e) => {
      const point = toDocument(e.clientX, e.clientY);
      moved ||= Math.hypot(point.x - start.x, point.y - start.y) > 3;
      if (!moved) return;
      box.style.left = `${origin.x + point.x - start.x}px`;
      box.style.top = `${origin.y + point.y - start.y}px`;
      redrawWiresOf(id);
    },
    () => moved && model.moveNode(id, { x: box.offsetLeft, y: box.offsetTop }),
  );
}

function startWire(event, box, port) {
  if (model.isReadOnly()) return;
  const source = box.dataset.nodeId;
  const from = portPoint(box, port);
  const draft = element("path", { class: "pf-wire-draft", d: curve(from, from) });
  wires.append(draft);
  let target = null;
  const aim = (next) => {
    target?.removeAttribute("data-drop-target");
    target = next;
    target?.setAttribute("data-drop-target", "true");
  };
  track(
    (e) => {
      draft.setAttribute("d", curve(from, toDocument(e.clientX, e.clientY)));
      const over = document.elementFromPoint(e.clientX, e.clientY)?.closest(".pf-node");
      const accepts = over && over !== box && catalogue.hasInput(over.dataset.nodeType);
      aim(accepts ? over : null);
    },
    () => {
      draft.remove();
      if (target) model.connect(source, port, target.dataset.nodeId);
      aim(null);
    },
  );
}

function startPan(event) {
  if (event.button !== 0 || event.target.closest(".pf-node, .pf-wire")) return;
  select(null);
  root.focus();
  const start = { x: event.clientX, y: event.clientY, vx: view.x, vy: view.y };
  root.dataset.panning = "true";
  track(
    (e) => {
      view = { ...view, x: start.vx + e.clientX - start.x, y: start.vy + e.clientY - start.y };
      applyView();
    },
    () => delete root.dataset.panning,
  );
}

// Follows the pointer until it is released: `move` on each move, `done` once at the end.
function track(move, done) {
  const stop = (event) => {
    window.removeEventListener("pointermove", move);
    window.removeEventListener("pointerup", stop);
    done(event);
  };
  window.addEventListener("pointermove", move);
  window.addEventListener("pointerup", stop);
}

function wheelZoom(event) {
  event.preventDefault();
  const rect = root.getBoundingClientRect();
  zoom(Math.exp(-event.deltaY / 500), { x: event.clientX - rect.left, y: event.clientY - rect.top });
}

// Arrow keys move the selected node (Shift: further), for keyboard users.
function nudge(event) {
  const steps = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  const node = selection?.nodeId && model.node(selection.nodeId);
  if (!node || !steps[event.key] || !event.target.closest(".pf-node")) return;
  event.preventDefault();
  const [dx, dy] = steps[event.key].map((step) => step * NUDGE * (event.shiftKey ? 5 : 1));
  model.moveNode(node.id, { x: node.position.x + dx, y: node.position.y + dy });
}

function dropFromPalette(event) {
  const type = event.dataTransfer?.getData(NODE_MIME);
  if (!type || model.isReadOnly()) return;
  event.preventDefault();
  const point = toDocument(event.clientX, event.clientY);
  emit("palette:drop", { type, position: { x: point.x - 100, y: point.y - 20 } });
}
