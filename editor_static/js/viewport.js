// The canvas's view: where the document sits on screen (translate) and how large (scale).
// Zoom, fit, centring and screen-to-document conversion live here; canvas.js draws inside the
// world element this module moves, and the minimap and search move the view through it.
import { emit } from "./events.js";
import * as model from "./model.js";
import { nodeSize } from "./canvas_node.js";

// Fit must fit a 1,000-node flow on one screen, so the view may shrink far below 25 %.
export const MIN_SCALE = 0.02;
const MAX_SCALE = 2;
const MARGIN = 48;
// How long after the last move of the view the world is drawn sharp again.
const SETTLE_MS = 300;
let root;
let world;
let view = { x: 40, y: 40, scale: 1 };
let frame = null;
let settling = null;
// The scale the world's layer was drawn at (while it has one).
let layerScale = null;
// The canvas's place on screen, kept by a ResizeObserver: a wheel or pointer event that read
// it from the layout would force a layout of every node after each frame's changes.
let box = { left: 0, top: 0, width: 0, height: 0 };
let observer = null;

export function init(canvasElement, worldElement) {
  root = canvasElement;
  world = worldElement;
  view = { x: 40, y: 40, scale: 1 };
  observer?.disconnect();
  observer = new ResizeObserver(measure);
  observer.observe(root);
  measure();
  return () => {
    observer?.disconnect();
    observer = null;
    clearTimeout(settling);
  };
}

// Also called when the page around the canvas may have moved it (a panel opened or closed).
export function measure() {
  const rect = root.getBoundingClientRect();
  box = { left: rect.left, top: rect.top, width: root.clientWidth, height: root.clientHeight };
}

export function current() {
  return view;
}

// The canvas element's size on screen.
export function size() {
  return { width: box.width, height: box.height };
}

export function set(next) {
  view = next;
  // A pointer or wheel may move the view many times a frame: the DOM follows once per frame.
  frame ??= requestAnimationFrame(() => {
    frame = null;
    world.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
  });
  // While the view moves, the world is one composited layer the GPU moves and scales without
  // painting the nodes again. Once the view rests at another scale, the layer goes, and the text
  // is drawn sharp at the new scale; after a pan alone it stays (it is sharp already), so the
  // next pan costs no painting either.
  if (!world.classList.contains("pf-layered")) {
    world.classList.add("pf-layered");
    layerScale = view.scale;
  }
  clearTimeout(settling);
  settling = setTimeout(() => view.scale !== layerScale && world.classList.remove("pf-layered"), SETTLE_MS);

  emit("view:change", view);
}

export function zoom(factor, center) {
  const point = center ?? { x: box.width / 2, y: box.height / 2 };
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.scale * factor));
  set({
    scale,
    x: point.x - ((point.x - view.x) * scale) / view.scale,
    y: point.y - ((point.y - view.y) * scale) / view.scale,
  });
}

export function zoomTo(scale) {
  zoom(scale / view.scale);
}

// The box around every node, in document units (null for an empty flow).
export function bounds(nodes = model.current().nodes, marked = () => false) {
  if (!nodes.length) return null;
  let left = Infinity;
  let top = Infinity;
  let right = -Infinity;
  let bottom = -Infinity;
  for (const node of nodes) {
    const { width, height } = nodeSize(node, marked(node.id));
    left = Math.min(left, node.position.x);
    top = Math.min(top, node.position.y);
    right = Math.max(right, node.position.x + width);
    bottom = Math.max(bottom, node.position.y + height);
  }
  return { left, top, right, bottom };
}

// Shows the whole flow, at most at 100 %, however large it is.
export function fit(area = bounds()) {
  if (!area) return set({ x: 40, y: 40, scale: 1 });
  const width = Math.max(1, area.right - area.left);
  const height = Math.max(1, area.bottom - area.top);
  const scale = Math.min(
    1,
    Math.max(MIN_SCALE, Math.min((box.width - 2 * MARGIN) / width, (box.height - 2 * MARGIN) / height)),
  );
  set({
    scale,
    x: (box.width - width * scale) / 2 - area.left * scale,
    y: Math.max(MARGIN / 2, (box.height - height * scale) / 2) - area.top * scale,
  });
}

// Puts the document point `point` at the middle of the canvas.
export function centerOn(point) {
  set({ ...view, x: box.width / 2 - point.x * view.scale, y: box.height / 2 - point.y * view.scale });
}

// Brings `node` into view when it is not (fully) there, centring it.
export function reveal(node) {
  const { width, height } = nodeSize(node, false);
  const x = node.position.x * view.scale + view.x;
  const y = node.position.y * view.scale + view.y;
  const inside = x >= 0 && y >= 0 && x + width * view.scale <= box.width && y + height * view.scale <= box.height;
  if (!inside) centerOn({ x: node.position.x + width / 2, y: node.position.y + height / 2 });
}

// The point of the canvas element under the screen point (clientX, clientY).
export function onCanvas(clientX, clientY) {
  return { x: clientX - box.left, y: clientY - box.top };
}

// The document point under the screen point (clientX, clientY).
export function toDocument(clientX, clientY) {
  return { x: (clientX - box.left - view.x) / view.scale, y: (clientY - box.top - view.y) / view.scale };
}

// The part of the document the canvas shows, in document units.
export function visibleArea() {
  return {
    left: -view.x / view.scale,
    top: -view.y / view.scale,
    right: (box.width - view.x) / view.scale,
    bottom: (box.height - view.y) / view.scale,
  };
}

// The point of the document at the middle of the visible canvas (where a clicked type lands).
export function visibleCenter() {
  return { x: (box.width / 2 - view.x) / view.scale, y: (box.height / 3 - view.y) / view.scale };
}
