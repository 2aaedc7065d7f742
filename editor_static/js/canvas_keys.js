// The canvas's arrow keys, for keyboard users: arrows move the selected nodes (Shift: further),
// Alt+arrow goes to the nearest node that way (selected, focused and brought into view).
import * as model from "./model.js";
import * as viewport from "./viewport.js";

const NUDGE = 10;
const STEPS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

// `canvas`: {selected(), select(target), focusNode(nodeId)} of canvas.js.
export function arrowKey(event, canvas) {
  const step = STEPS[event.key];
  const { nodeIds } = canvas.selected();
  if (!step || !event.target.closest(".pf-node") || !nodeIds.length) return;
  event.preventDefault();
  if (event.altKey) return goToward(step, canvas);
  const [dx, dy] = step.map((unit) => unit * NUDGE * (event.shiftKey ? 5 : 1));
  model.moveNodes(
    nodeIds.map((id) => model.node(id)).map((node) => ({ id: node.id, position: { x: node.position.x + dx, y: node.position.y + dy } })),
  );
}

// The nearest node ahead in direction [dx, dy] of the focused one, sideways distance costing double.
function goToward([dx, dy], canvas) {
  const from = model.node(document.activeElement?.dataset?.nodeId);
  if (!from) return;
  let best = null;
  for (const node of model.current().nodes) {
    const x = node.position.x - from.position.x;
    const y = node.position.y - from.position.y;
    const ahead = x * dx + y * dy;
    if (node === from || ahead <= 0) continue;
    const cost = ahead + 2 * Math.abs(x * dy + y * dx);
    if (!best || cost < best.cost) best = { node, cost };
  }
  if (!best) return;
  canvas.select({ nodeId: best.node.id });
  viewport.reveal(best.node);
  canvas.focusNode(best.node.id);
}
