// Off-screen nodes and wires cost nothing: those away from the visible area (by more than a
// quarter screen) are not displayed, and come back as the view reaches them.
import { NODE_WIDTH } from "./canvas_node.js";
import * as model from "./model.js";
import * as viewport from "./viewport.js";

const MARGIN = 0.25;
// Taller than any usual node, so a node is shown before its edge enters the view.
const NODE_REACH = 200;

// Displays the boxes (by node id) and wire groups (by edge id) near the view, hides the rest;
// `dragged` holds positions not yet in the model. A focused node always stays.
export function cull(boxes, paths, dragged) {
  const area = viewport.visibleArea();
  const marginX = (area.right - area.left) * MARGIN;
  const marginY = (area.bottom - area.top) * MARGIN;
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
    const hide = !near(
      Math.min(from.x, to.x),
      Math.min(from.y, to.y),
      Math.max(from.x, to.x) + NODE_WIDTH,
      Math.max(from.y, to.y) + NODE_REACH,
    );
    if ((group.style.display === "none") !== hide) group.style.display = hide ? "none" : "";
  }
}
