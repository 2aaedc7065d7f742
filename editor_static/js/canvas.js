// The canvas: draws the document (nodes as DOM boxes, wires as SVG paths) and turns gestures
// into model commands: drag nodes to move them (the whole selection moves together), drag from
// an output port to a node to wire them, click or shift-click to select, shift-drag the
// background for a rubber band, drag the background to pan, wheel to zoom. It follows the
// model's node:*/edge:* events and redraws only what an edit touched: wire geometry comes from
// the model (canvas_node.js), so no edit reads the layout of 1,000 nodes.
import { fillNode, nodeSize, placeNode, portPoint, setFlag } from "./canvas_node.js";
import { element } from "./views.js";
import { emit, subscribe } from "./events.js";
import * as model from "./model.js";
import * as catalogue from "./node_types/index.js";
import { drawOverview } from "./overview.js";
import { startBand } from "./canvas_band.js";
import { cull, forgetShown } from "./canvas_culling.js";
import { arrowKey } from "./canvas_keys.js";
import { NODE_MIME } from "./palette.js";
import { track } from "./tracking.js";
import { curve, routed } from "./wire_path.js";
import * as viewport from "./viewport.js";

// Below this scale the canvas shows the overview drawing instead of the DOM.
const FAR_SCALE = 0.4;

let root;
let world;
let wires;
let selection = { nodeIds: new Set(), edgeId: null };
let boxes = new Map();
let paths = new Map();
let marks = new Map();
let counts = new Map();
let preview = new Map();
let differences = new Map();
// Positions of nodes being dragged, not yet in the model.
let dragged = new Map();
// The node each box was last filled from.
let drawn = new Map();
// Each node's wires (edge ids), so an edit redraws them without scanning every wire.
let wiresByNode = new Map();
// Tidy up's routes by edge id: {via, from, to}, followed while both ends stay where the layout
// put them (from, to); moved ends (a drag, an undo) make the wire a plain curve again.
let routes = new Map();
let overview;
let frame = null;
// Whether the next frame must look at every node again (the document changed).
let recull = false;

export function init(section) {
  root = section;
  world = element("div", { class: "pf-world" });
  wires = element("svg", { class: "pf-wires", "aria-hidden": "true" });
  world.append(wires);
  overview = element("canvas", { class: "pf-overview", "aria-hidden": "true", hidden: true });
  root.replaceChildren(overview, world);
  const stopViewport = viewport.init(root, world);
  boxes = new Map();
  paths = new Map();
  marks = new Map();
  counts = new Map();
  preview = new Map();
  selection = { nodeIds: new Set(), edgeId: null };
  root.addEventListener("dragover", (event) => event.preventDefault());
  root.addEventListener("drop", dropFromPalette);
  // The canvas may have moved with the page around it since it was last measured.
  root.addEventListener("pointerdown", viewport.measure, { capture: true });
  root.addEventListener("pointerdown", pressBackground);
  root.addEventListener("wheel", wheelZoom, { passive: false });
  root.addEventListener("keydown", (event) => arrowKey(event, { selected, select, focusNode }));
  root.addEventListener("contextmenu", openMenu);
  const stop = subscribe({
    "document:load": drawAll,
    "node:add": (node) => {
      drawNode(node);
      redrawWiresOf(node.id);
    },
    "node:update": (node) => {
      // A move (drag, tidy up) only places the box; other changes fill it again.
      if (drawn.get(node.id)?.config === node.config) placeNode(boxes.get(node.id), node.position);
      else drawNode(node);
      drawn.set(node.id, node);
      redrawWiresOf(node.id);
    },
    "node:remove": removeNode,
    "edge:add": (edge) => {
      index(edge, true);
      drawWire(edge);
    },
    "edge:remove": (edge) => {
      index(edge, false);
      paths.get(edge.id)?.remove();
      paths.delete(edge.id);
      if (selection.edgeId === edge.id) select(null);
    },
    "document:change": ({ command }) => model.changesLayout(command) && schedule({ force: true }),
    "view:change": () => schedule(),
    "issues:change": showIssues,
    "stats:change": showCounts,
    "preview:change": showPreview,
    "diff:change": showDifferences,
    "wires:route": keepRoutes,
  });
  return () => {
    cancelAnimationFrame(frame);
    frame = null;
    stop();
    stopViewport();
  };
}

// Whether the canvas shows the overview drawing (zoomed far out) rather than the nodes.
export function farOut() {
  return viewport.current().scale < FAR_SCALE;
}

// Selects nothing (null), one node ({nodeId}), several ({nodeIds}) or one wire ({edgeId}).
export function select(target) {
  const before = selection;
  const nodeIds = new Set(target?.nodeIds ?? (target?.nodeId ? [target.nodeId] : []));
  selection = { nodeIds, edgeId: nodeIds.size ? null : (target?.edgeId ?? null) };
  for (const id of new Set([...before.nodeIds, ...nodeIds])) {
    const box = boxes.get(id);
    if (box) setFlag(box, "selected", nodeIds.has(id) ? "true" : null);
  }
  for (const id of [before.edgeId, selection.edgeId]) {
    if (id && paths.has(id)) setFlag(paths.get(id), "selected", id === selection.edgeId ? "true" : null);
  }
  emit("selection:change", selected());
  if (farOut()) schedule();
}

// {nodeId: the node when exactly one is selected, nodeIds: every selected node, edgeId}.
export function selected() {
  const nodeIds = [...selection.nodeIds];
  return { nodeId: nodeIds.length === 1 ? nodeIds[0] : null, nodeIds, edgeId: selection.edgeId };
}

// Whether the node has an issue line drawn (it makes the node taller).
export function marked(nodeId) {
  return marks.has(`node:${nodeId}`);
}

export function zoom(factor) {
  viewport.zoom(factor);
}

export function zoomTo(scale) {
  viewport.zoomTo(scale);
}

export function fit() {
  viewport.fit(viewport.bounds(model.current().nodes, marked));
}

export function visibleCenter() {
  return viewport.visibleCenter();
}

export function reveal(nodeId) {
  const node = model.node(nodeId);
  if (node) viewport.reveal(node);
}

// Centres the node at a readable zoom (at least 60 %).
export function centre(nodeId) {
  const node = model.node(nodeId);
  if (!node) return;
  if (viewport.current().scale < 0.6) viewport.zoomTo(1);
  const { width, height } = nodeSize(node, marked(nodeId));
  viewport.centerOn({ x: node.position.x + width / 2, y: node.position.y + height / 2 });
}

export function focusNode(nodeId) {
  const box = boxes.get(nodeId);
  if (!box) return;
  box.hidden = false;
  box.focus({ preventScroll: true });
}

// Once per frame after the view or the document changed: far out, the overview is drawn and
// the DOM hidden; otherwise only the nodes and wires near the visible area are displayed.
function schedule({ force = false } = {}) {
  recull ||= force;
  frame ??= requestAnimationFrame(() => {
    frame = null;
    const far = farOut();
    // Skipped, not removed: the nodes keep their layout objects, and coming back is cheap.
    const visibility = far ? "hidden" : "";
    if (world.style.contentVisibility !== visibility) world.style.contentVisibility = visibility;
    if (overview.hidden !== !far) overview.hidden = !far;
    if (far) return drawOverview(overview, viewport.current(), outlines(), viewport.size());
    cull(boxes, paths, dragged, routes, { force: recull });
    recull = false;
  });
}

// The nodes the overview outlines: selected ones, else those with an issue.
function outlines() {
  const looks = new Map();
  for (const [key, issue] of marks) if (key.startsWith("node:")) looks.set(key.slice(5), issue.severity);
  for (const nodeId of selection.nodeIds) looks.set(nodeId, "selected");
  return looks;
}

function drawAll(doc) {
  for (const box of boxes.values()) box.remove();
  for (const path of paths.values()) path.remove();
  boxes = new Map();
  paths = new Map();
  drawn = new Map();
  wiresByNode = new Map();
  routes = new Map();
  doc.edges.forEach((edge) => index(edge, true));
  // Built off the page and attached at once: one style and layout pass for the whole flow.
  const nodes = document.createDocumentFragment();
  doc.nodes.forEach((node) => nodes.append(drawNode(node)));
  world.append(nodes);
  const lines = document.createDocumentFragment();
  for (const edge of doc.edges) {
    const group = drawWire(edge);
    if (group) lines.append(group);
  }
  wires.append(lines);
  forgetShown();
  schedule();
  // A reloaded document (a version opened, a restore) keeps the selection while it still exists.
  const kept = [...selection.nodeIds].filter((id) => model.node(id));
  select(kept.length ? { nodeIds: kept } : model.edge(selection.edgeId) ? { edgeId: selection.edgeId } : null);
}

function drawNode(node) {
  let box = boxes.get(node.id);
  if (!box) {
    box = element("div");
    box.addEventListener("pointerdown", (event) => pressNode(event, box));
    box.addEventListener("focus", () => !selection.nodeIds.has(box.dataset.nodeId) && select({ nodeId: box.dataset.nodeId }));
    boxes.set(node.id, box);
    world.append(box);
  }
  drawn.set(node.id, node);
  fillNode(box, node, {
    mark: marks.get(`node:${node.id}`),
    count: counts.get(node.id),
    selected: selection.nodeIds.has(node.id),
    preview: preview.get(node.id),
  });
  return box;
}

function removeNode(node) {
  boxes.get(node.id)?.remove();
  boxes.delete(node.id);
  drawn.delete(node.id);
  if (selection.nodeIds.has(node.id)) {
    select({ nodeIds: [...selection.nodeIds].filter((id) => id !== node.id) });
  }
}

// Draws or updates the wire of `edge`; the new element, when one was made.
function drawWire(edge) {
  const from = model.node(edge.source);
  const to = model.node(edge.target);
  if (!from || !to) {
    paths.get(edge.id)?.remove();
    paths.delete(edge.id);
    return null;
  }
  const [fromAt, toAt] = [dragged.get(from.id) ?? from.position, dragged.get(to.id) ?? to.position];
  const start = portPoint(from, edge.sourcePort, fromAt, marked(from.id));
  const end = portPoint(to, "in", toAt, marked(to.id));
  const route = routes.get(edge.id);
  const d = route && same(route.from, fromAt) && same(route.to, toAt) ? routed(start, route.via, end) : curve(start, end);
  const existing = paths.get(edge.id);
  if (existing) {
    for (const path of existing.children) path.setAttribute("d", d);
    return null;
  }
  const group = element(
    "g",
    {
      class: "pf-wire",
      "data-edge-id": edge.id,
      "data-ends": `${edge.source} ${edge.target}`,
      "data-severity": marks.get(`edge:${edge.id}`)?.severity,
      "data-selected": selection.edgeId === edge.id ? "true" : null,
      onPointerdown: (event) => {
        if (event.button !== 0) return;
        event.stopPropagation();
        select({ edgeId: edge.id });
      },
    },
    element("path", { class: "pf-wire-hit", d }),
    element("path", { class: "pf-wire-line", d }),
  );
  paths.set(edge.id, group);
  wires.append(group);
  return group;
}

function redrawWiresOf(nodeIds) {
  const ids = typeof nodeIds === "string" ? [nodeIds] : nodeIds;
  const edgeIds = new Set();
  for (const id of ids) wiresByNode.get(id)?.forEach((edgeId) => edgeIds.add(edgeId));
  for (const edgeId of edgeIds) {
    const edge = model.edge(edgeId);
    if (edge) drawWire(edge);
  }
}

function index(edge, present) {
  for (const end of [edge.source, edge.target]) {
    if (!wiresByNode.has(end)) wiresByNode.set(end, new Set());
    if (present) wiresByNode.get(end).add(edge.id);
    else wiresByNode.get(end).delete(edge.id);
  }
}

function same(a, b) {
  return a.x === b.x && a.y === b.y;
}

// Keeps Tidy up's routes, to be followed once the nodes stand where the layout put them.
function keepRoutes({ routes: via, positions }) {
  routes = new Map();
  for (const edge of model.current().edges) {
    const [from, to] = [positions[edge.source], positions[edge.target]];
    if (via[edge.id] && from && to) routes.set(edge.id, { via: via[edge.id], from, to });
  }
}

// Redraws only the nodes and wires whose first issue changed.
function showIssues(report) {
  const next = new Map();
  for (const issue of report.issues) {
    const key = issue.nodeId ? `node:${issue.nodeId}` : issue.edgeId ? `edge:${issue.edgeId}` : null;
    if (key && next.get(key)?.severity !== "error") next.set(key, issue);
  }
  const previous = marks;
  marks = next;
  const changedNodes = new Set();
  for (const key of new Set([...previous.keys(), ...next.keys()])) {
    const [before, after] = [previous.get(key), next.get(key)];
    if (before?.severity === after?.severity && before?.message === after?.message) continue;
    const [kind, id] = [key.slice(0, 4), key.slice(5)];
    if (kind === "node" && model.node(id)) changedNodes.add(id);
    if (kind === "edge" && paths.has(id)) setFlag(paths.get(id), "severity", after?.severity ?? null);
  }
  changedNodes.forEach((id) => drawNode(model.node(id)));
  if (changedNodes.size) redrawWiresOf(changedNodes);
  if (farOut()) schedule();
}

function showCounts(stats) {
  const previous = counts;
  counts = new Map(stats.map((stat) => [stat.nodeId, stat.entered]));
  redrawChanged(previous, counts);
}

function showPreview({ path, waitingAt }) {
  const previous = preview;
  preview = new Map(path.map((id) => [id, "passed"]));
  if (waitingAt) preview.set(waitingAt, "waiting");
  redrawChanged(previous, preview);
}

// Marks the nodes a version comparison found added or changed (data-diff).
function showDifferences(next) {
  const previous = differences;
  differences = next;
  for (const id of new Set([...previous.keys(), ...next.keys()])) {
    const box = boxes.get(id);
    if (box) setFlag(box, "diff", next.get(id) ?? null);
  }
}

function redrawChanged(before, after) {
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    if (before.get(id) !== after.get(id) && model.node(id)) drawNode(model.node(id));
  }
}

function pressNode(event, box) {
  if (event.button !== 0) return;
  event.stopPropagation();
  const port = event.target.closest(".pf-port");
  if (port) return startWire(event, box, port.dataset.port);
  const id = box.dataset.nodeId;
  if (event.shiftKey) {
    const nodeIds = new Set(selection.nodeIds);
    if (nodeIds.has(id)) nodeIds.delete(id);
    else nodeIds.add(id);
    return select({ nodeIds: [...nodeIds] });
  }
  if (!selection.nodeIds.has(id)) select({ nodeId: id });
  if (model.isReadOnly()) return;
  const start = viewport.toDocument(event.clientX, event.clientY);
  const origins = new Map([...selection.nodeIds].map((nodeId) => [nodeId, model.node(nodeId).position]));
  let moved = false;
  track(
    (e) => {
      const point = viewport.toDocument(e.clientX, e.clientY);
      moved ||= Math.hypot(point.x - start.x, point.y - start.y) > 3;
      if (!moved) return;
      for (const [nodeId, origin] of origins) {
        const at = { x: origin.x + point.x - start.x, y: origin.y + point.y - start.y };
        dragged.set(nodeId, at);
        placeNode(boxes.get(nodeId), at);
      }
      redrawWiresOf(new Set(origins.keys()));
    },
    () => {
      const moves = [...dragged].map(([nodeId, position]) => ({ id: nodeId, position }));
      dragged = new Map();
      if (moved) model.moveNodes(moves);
    },
  );
}

function startWire(event, box, port) {
  if (model.isReadOnly()) return;
  const source = box.dataset.nodeId;
  const node = model.node(source);
  const from = portPoint(node, port, node.position, marked(source));
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
      draft.setAttribute("d", curve(from, viewport.toDocument(e.clientX, e.clientY)));
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

function pressBackground(event) {
  if (event.button !== 0 || event.target.closest(".pf-node, .pf-wire, .pf-minimap")) return;
  root.focus();
  // No text selection follows the pointer (it would hit-test the nodes on every move).
  event.preventDefault();
  if (event.shiftKey) return startBand(event, root, { selected, select, marked });
  select(null);
  const start = { x: event.clientX, y: event.clientY, view: viewport.current() };
  // A cover with the grabbing cursor: changing the canvas's own cursor would restyle every
  // node under it (the cursor is inherited), and the cover keeps hover effects off meanwhile.
  const cover = element("div", { class: "pf-pan-cover" });
  root.append(cover);
  track(
    (e) => viewport.set({ ...start.view, x: start.view.x + e.clientX - start.x, y: start.view.y + e.clientY - start.y }),
    () => cover.remove(),
  );
}

function wheelZoom(event) {
  event.preventDefault();
  viewport.zoom(Math.exp(-event.deltaY / 500), viewport.onCanvas(event.clientX, event.clientY));
}

function openMenu(event) {
  const box = event.target.closest(".pf-node");
  const wire = event.target.closest(".pf-wire");
  if (event.target.closest(".pf-minimap")) return;
  event.preventDefault();
  if (box && !selection.nodeIds.has(box.dataset.nodeId)) select({ nodeId: box.dataset.nodeId });
  if (wire) select({ edgeId: wire.dataset.edgeId });
  emit("canvas:menu", { x: event.clientX, y: event.clientY, at: viewport.toDocument(event.clientX, event.clientY) });
}

function dropFromPalette(event) {
  const type = event.dataTransfer?.getData(NODE_MIME);
  if (!type || model.isReadOnly()) return;
  event.preventDefault();
  const point = viewport.toDocument(event.clientX, event.clientY);
  emit("palette:drop", { type, position: { x: point.x - 100, y: point.y - 20 } });
}
