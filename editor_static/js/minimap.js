// The minimap: the whole flow in a corner of the canvas with a frame around what the canvas
// shows. Clicking or dragging in it moves the view there.
import { drawOverview } from "./overview.js";
import { element } from "./views.js";
import { subscribe } from "./events.js";
import * as model from "./model.js";
import * as viewport from "./viewport.js";

const PADDING = 6;
let map;
let frame = null;
// The minimap's own view of the document: {x, y, scale}, as viewport.js keeps the canvas's.
let mapView = { x: 0, y: 0, scale: 1 };
// The box around every node, kept until the layout changes (a frame of panning only moves the frame).
let flowBox;
// The minimap's CSS size, read once (editor.css fixes it).
let mapSize = null;

export function init(canvasSection) {
  map = element("canvas", {
    class: "pf-minimap",
    role: "img",
    "aria-label": "Minimap: click or drag to move the view",
    title: "Click or drag to move the view",
  });
  canvasSection.append(map);
  map.addEventListener("pointerdown", press);
  const stop = subscribe({
    "document:load": reshape,
    // Typing changes no box: the minimap is not redrawn for it.
    "document:change": ({ command }) => model.changesLayout(command) && reshape(),
    "view:change": schedule,
  });
  return () => {
    cancelAnimationFrame(frame);
    frame = null;
    mapSize = null;
    stop();
  };
}

function reshape() {
  flowBox = undefined;
  schedule();
}

function schedule() {
  frame ??= requestAnimationFrame(() => {
    frame = null;
    draw();
  });
}

function draw() {
  if (flowBox === undefined) flowBox = viewport.bounds();
  const box = flowBox;
  const seen = viewport.visibleArea();
  const all = box
    ? {
        left: Math.min(box.left, seen.left),
        top: Math.min(box.top, seen.top),
        right: Math.max(box.right, seen.right),
        bottom: Math.max(box.bottom, seen.bottom),
      }
    : seen;
  mapSize ??= { width: map.clientWidth, height: map.clientHeight };
  const scale = Math.min(
    (mapSize.width - 2 * PADDING) / (all.right - all.left),
    (mapSize.height - 2 * PADDING) / (all.bottom - all.top),
  );
  mapView = { scale, x: PADDING - all.left * scale, y: PADDING - all.top * scale };
  drawOverview(map, mapView, new Map(), mapSize);
  const context = map.getContext("2d");
  context.strokeStyle = "#4f46e5";
  context.lineWidth = 1.5 / scale;
  context.fillStyle = "rgb(79 70 229 / 10%)";
  context.fillRect(seen.left, seen.top, seen.right - seen.left, seen.bottom - seen.top);
  context.strokeRect(seen.left, seen.top, seen.right - seen.left, seen.bottom - seen.top);
}

function press(event) {
  if (event.button !== 0) return;
  event.preventDefault();
  event.stopPropagation();
  const move = (e) => {
    const rect = map.getBoundingClientRect();
    viewport.centerOn({
      x: (e.clientX - rect.left - mapView.x) / mapView.scale,
      y: (e.clientY - rect.top - mapView.y) / mapView.scale,
    });
  };
  move(event);
  map.setPointerCapture(event.pointerId);
  map.addEventListener("pointermove", move);
  map.addEventListener("pointerup", () => map.removeEventListener("pointermove", move), { once: true });
}
