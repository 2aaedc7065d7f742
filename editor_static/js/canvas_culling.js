// Off-screen nodes and wires cost nothing: those away from the visible area (by more than a
// quarter screen) are not displayed, and come back as the view reaches them. While the view
// stays inside the area last displayed (panning a little, zooming in), nothing changes: showing
// or hiding boxes on every frame of a gesture would lay out and paint them on every frame.
import { NODE_WIDTH } from "./canvas_node.js";
import * as model from "./model.js";
import * as viewport from "./viewport.js";

const MARGIN = 0.25;
// Taller than any usual node, so a node is shown before its edge enters the view.
const NODE_REACH = 200;
// The document area whose nodes are displayed, since the last cull.
let shown = null;

// Displays the boxes (by node id) and wire groups (by edge id) near the view, hides the rest;
// `dragged` holds positions not yet in the model, `routes` Tidy up's wire routes (a routed wire
// reaches as far as its points). A focused node always stays. `force` after the document
// changed (nodes moved, added or removed).
export function cull(boxes, paths, dragged, routes, { force = false } = {}) {
  const area = viewport.visibleArea();
  if (!force && shown && inside(area, shown)) return;
  const marginX = (area.right - area.left) * MARGIN;
  const marginY = (area.bottom - area.top) * MARGIN;
  shown = { left: area.left - marginX, top: area.top - marginY, right: area.right + marginX, bottom: area.bottom + marginY };
  const near = (left, top, right, bottom) =>
    right >= area.left - marginX && left <= area.right + marginX && bottom >= area.top - marginY && top <= area.bottom + marginY;
  for (const node of model.current().nodes) {
    const box = boxes.get(node.id);
    const at = dragged.get(node.id) ?? node.position;
    const hide = !near(at.x, at.y, at.x + NODE_WIDTH, at.y + NODE_REACH) && box !== document.activeElement;
    if (box && box.hidden !== hide) box.hidden = hide;
  }
  for (const edge of model.current().edges) {
    const group = paths.get(edge.id);
    const from = model.node(edge.source)?.position;
    const to = model.node(edge.target)?.position;
    if (!group || !from || !to) continue;
    const points = [from, to, ...(routes.get(edge.id)?.via ?? [])];
    const hide = !near(
      Math.min(...points.map((point) => point.x)),
      Math.min(...points.map((point) => point.y)),
      Math.max(...points.map((point) => point.x)) + NODE_WIDTH,
      Math.max(...points.map((point) => point.y)) + NODE_REACH,
    );
    if ((group.style.display === "none") !== hide) group.style.display = hide ? "none" : "";
  }
}

// Forgets what was displayed (a new document): the next cull looks at every node.
export function forgetShown() {
  shown = null;
}

function inside(area, outer) {
  return area.left >= outer.left && area.top >= outer.top && area.right <= outer.right && area.bottom <= outer.bottom;
}
