// Draws the document (nodes as boxes, wires as SVG paths) and turns pointer gestures into
// model changes: move, wire, select, pan and zoom. Reads the model; changes it only via model.js.
import { emit, on } from "./events.js";
import * as model from "./model.js";
import { portLabel, summary } from "./node_types/index.js";

const WIDTH = 200;
const HEADER = 46;
const PORT_HEIGHT = 22;
const NODE_MIME = "application/x-propflow-node";

let root;
let world;
let wires;
let types = {};
let view = { x: 40, y: 40, scale: 1 };
let selection = null;
let marks = {};
let counts = {};

export function init(element, nodeTypes) {
  root = element;
  types = Object.fromEntries(nodeTypes.map((type) => [type.type, type]));
  root.innerHTML = "";
  world = document.createElement("div");
  world.className = "pf-world";
  wires = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  wires.classList.add("pf-wires");
  world.append(wires);
  root.append(world);
  root.addEventListener("dragover", (event) => event.preventDefault());
  root.addEventListener("drop", dropFromPalette);
  root.addEventListener("pointerdown", startPan);
  root.addEventListener("wheel", wheelZoom, { passive: false });
  for (const name of ["document:load", "document:change"]) on(name, render);
  render();
}

export function outputPorts(node) {
  const type = types[node.type];
  if (!type) return [];
  if (type.ports.rule === "one per option") return (node.config?.options ?? []).map((_, i) => String(i));
  return type.ports.fixed;
}

export function select(next) {
  selection = next;
  emit("selection:change", selection);
  render();
}

export function selected() {
  return selection;
}

export function mark(issues) {
  marks = {};
  for (const issue of issues) {
    const key = issue.nodeId ? `node:${issue.nodeId}` : issue.edgeId ? `edge:${issue.edgeId}` : null;
    if (key && marks[key] !== "error") marks[key] = issue.severity;
  }
  render();
}

export function showCounts(stats) {
  counts = Object.fromEntries((stats ?? []).map((stat) => [stat.nodeId, stat.entered]));
  render();
}

export function zoom(factor, center) {
  const rect = root.getBoundingClientRect();
  const point = center ?? { x: rect.width / 2, y: rect.height / 2 };
  const scale = Math.min(2.5, Math.max(0.25, view.scale * factor));
  view = {
    scale,
    x: point.x - ((point.x - view.x) * scale) / view.scale,
    y: point.y - ((point.y - view.y) * scale) / view.scale,
  };
  applyView();
}

export function fit() {
  const nodes = model.current().nodes;
  if (!nodes.length) {
    view = { x: 40, y: 40, scale: 1 };
    return applyView();
  }
  const rect = root.getBoundingClientRect();
  const xs = nodes.map((n) => n.position.x);
  const ys = nodes.map((n) => n.position.y);
  const width = Math.max(...xs) + WIDTH - Math.min(...xs);
  const height = Math.max(...ys) + 160 - Math.min(...ys);
  const scale = Math.min(1.2, Math.max(0.25, Math.min(rect.width / (width + 80), rect.height / (height + 80))));
  view = { scale, x: 40 - Math.min(...xs) * scale, y: 40 - Math.min(...ys) * scale };
  applyView();
}

function applyView() {
  world.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
  emit("view:change", view);
}

function toWorld(clientX, clientY) {
  const rect = root.getBoundingClientRect();
  return { x: (clientX - rect.left - view.x) / view.scale, y: (clientY - rect.top - view.y) / view.scale };
}

function render() {
  if (!world) return;
  const doc = model.current();
  for (const element of world.querySelectorAll(".pf-node")) element.remove();
  for (const node of doc.nodes) world.append(nodeElement(node));
  drawWires(doc);
  applyView();
}

function nodeElement(node) {
  const type = types[node.type];
  const element = document.createElement("div");
  element.className = "pf-node";
  element.dataset.nodeId = node.id;
  element.dataset.nodeType = node.type;
  element.dataset.category = type?.category ?? "unknown";
  element.setAttribute("role", "group");
  element.setAttribute("aria-label", `${type?.label ?? node.type} ${node.id}`);
  if (marks[`node:${node.id}`]) element.dataset.severity = marks[`node:${node.id}`];
  if (selection?.nodeId === node.id) element.dataset.selected = "true";
  element.style.left = `${node.position.x}px`;
  element.style.top = `${node.position.y}px`;
  const header = document.createElement("div");
  header.className = "pf-node-header";
  header.textContent = type?.label ?? node.type;
  const body = document.createElement("div");
  body.className = "pf-node-summary";
  body.textContent = summary(node);
  element.append(header, body);
  if (counts[node.id] !== undefined) {
    const badge = document.createElement("span");
    badge.className = "pf-node-count";
    badge.title = "runs that entered this node (published version)";
    badge.textContent = counts[node.id];
    element.append(badge);
  }
  if (type && !type.isTrigger) {
    const input = document.createElement("span");
    input.className = "pf-port-in";
    input.dataset.portIn = node.id;
    element.append(input);
  }
  outputPorts(node).forEach((port) => {
    const handle = document.createElement("span");
    handle.className = "pf-port";
    handle.dataset.port = port;
    handle.dataset.nodeId = node.id;
    handle.textContent = portLabel(node, port);
    handle.title = `output ${portLabel(node, port)}`;
    handle.addEventListener("pointerdown", (event) => startWire(event, node, port));
    element.append(handle);
  });
  element.addEventListener("pointerdown", (event) => startMove(event, node));
  return element;
}

function portPoint(node, port) {
  const index = outputPorts(node).indexOf(port);
  return { x: node.position.x + WIDTH, y: node.position.y + HEADER + index * PORT_HEIGHT + PORT_HEIGHT / 2 };
}

function drawWires(doc) {
  wires.innerHTML = "";
  const byId = Object.fromEntries(doc.nodes.map((n) => [n.id, n]));
  for (const edge of doc.edges) {
    const source = byId[edge.source];
    const target = byId[edge.target];
    if (!source || !target) continue;
    const path = wirePath(portPoint(source, edge.sourcePort), { x: target.position.x, y: target.position.y + 20 });
    path.dataset.edgeId = edge.id;
    path.classList.add("pf-wire");
    if (marks[`edge:${edge.id}`]) path.dataset.severity = marks[`edge:${edge.id}`];
    if (selection?.edgeId === edge.id) path.dataset.selected = "true";
    path.addEventListener("pointerdown", (event) => {
      event.stopPropagation();
      select({ edgeId: edge.id });
    });
    wires.append(path);
  }
}

function wirePath(from, to) {
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", curve(from, to));
  return path;
}

function curve(from, to) {
  const bend = Math.max(40, Math.abs(to.x - from.x) / 2);
  return `M ${from.x} ${from.y} C ${from.x + bend} ${from.y}, ${to.x - bend} ${to.y}, ${to.x} ${to.y}`;
}

function startMove(event, node) {
  if (event.button !== 0) return;
  event.stopPropagation();
  select({ nodeId: node.id });
  if (model.isReadOnly()) return;
  const start = toWorld(event.clientX, event.clientY);
  const origin = { ...node.position };
  const element = world.querySelector(`[data-node-id="${CSS.escape(node.id)}"].pf-node`);
  let moved = false;
  const move = (e) => {
    const point = toWorld(e.clientX, e.clientY);
    moved = true;
    element.style.left = `${origin.x + point.x - start.x}px`;
    element.style.top = `${origin.y + point.y - start.y}px`;
  };
  const stop = (e) => {
    window.removeEventListener("pointermove", move);
    window.removeEventListener("pointerup", stop);
    if (!moved) return;
    const point = toWorld(e.clientX, e.clientY);
    model.moveNode(node.id, { x: origin.x + point.x - start.x, y: origin.y + point.y - start.y });
  };
  window.addEventListener("pointermove", move);
  window.addEventListener("pointerup", stop);
}

function startWire(event, node, port) {
  event.stopPropagation();
  if (model.isReadOnly()) return;
  const from = portPoint(node, port);
  const line = wirePath(from, from);
  line.classList.add("pf-wire", "pf-wire-draft");
  wires.append(line);
  const move = (e) => line.setAttribute("d", curve(from, toWorld(e.clientX, e.clientY)));
  const stop = (e) => {
    window.removeEventListener("pointermove", move);
    window.removeEventListener("pointerup", stop);
    line.remove();
    const target = document.elementFromPoint(e.clientX, e.clientY)?.closest(".pf-node");
    if (target && !types[target.dataset.nodeType]?.isTrigger) {
      model.connect(node.id, port, target.dataset.nodeId);
    }
  };
  window.addEventListener("pointermove", move);
  window.addEventListener("pointerup", stop);
}

function startPan(event) {
  if (event.target !== root && event.target !== world && event.target !== wires) return;
  select(null);
  const start = { x: event.clientX, y: event.clientY, vx: view.x, vy: view.y };
  const move = (e) => {
    view = { ...view, x: start.vx + e.clientX - start.x, y: start.vy + e.clientY - start.y };
    applyView();
  };
  const stop = () => {
    window.removeEventListener("pointermove", move);
    window.removeEventListener("pointerup", stop);
  };
  window.addEventListener("pointermove", move);
  window.addEventListener("pointerup", stop);
}

function wheelZoom(event) {
  event.preventDefault();
  const rect = root.getBoundingClientRect();
  zoom(event.deltaY < 0 ? 1.1 : 1 / 1.1, { x: event.clientX - rect.left, y: event.clientY - rect.top });
}

function dropFromPalette(event) {
  const type = event.dataTransfer?.getData(NODE_MIME);
  if (!type || model.isReadOnly()) return;
  event.preventDefault();
  const point = toWorld(event.clientX, event.clientY);
  emit("palette:drop", { type, position: { x: point.x - WIDTH / 2, y: point.y - 20 } });
}

export { NODE_MIME };
