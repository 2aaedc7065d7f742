// The rubber band: Shift-drag on the canvas's background draws a rectangle, and every node it
// touches joins the selection.
import { nodeSize } from "./canvas_node.js";
import * as model from "./model.js";
import { track } from "./tracking.js";
import { element } from "./views.js";
import * as viewport from "./viewport.js";

// `canvas`: {selected(), select(target), marked(nodeId)} of canvas.js.
export function startBand(event, root, canvas) {
  const rect = root.getBoundingClientRect();
  const band = element("div", { class: "pf-band" });
  root.append(band);
  const start = { x: event.clientX, y: event.clientY };
  const before = canvas.selected().nodeIds;
  const area = (e) => ({
    left: Math.min(start.x, e.clientX),
    top: Math.min(start.y, e.clientY),
    right: Math.max(start.x, e.clientX),
    bottom: Math.max(start.y, e.clientY),
  });
  track(
    (e) => {
      const box = area(e);
      Object.assign(band.style, {
        left: `${box.left - rect.left}px`,
        top: `${box.top - rect.top}px`,
        width: `${box.right - box.left}px`,
        height: `${box.bottom - box.top}px`,
      });
    },
    (e) => {
      band.remove();
      const box = area(e);
      const a = viewport.toDocument(box.left, box.top);
      const b = viewport.toDocument(box.right, box.bottom);
      const inside = model.current().nodes.filter((node) => {
        const { x, y } = node.position;
        const { width, height } = nodeSize(node, canvas.marked(node.id));
        return x + width >= a.x && x <= b.x && y + height >= a.y && y <= b.y;
      });
      canvas.select({ nodeIds: [...new Set([...before, ...inside.map((node) => node.id)])] });
    },
  );
}
