// Tidy up: lays the whole flow out left to right (dagre, in tidy_worker.js, so the page stays
// responsive) and moves every node in one command, so one undo puts them all back. The wires
// follow the routes the layout kept clear of nodes (announced as wires:route for the canvas).
import { nodeSize } from "./canvas_node.js";
import { emit } from "./events.js";
import * as model from "./model.js";

let running = null;

// Resolves once the flow is laid out; `marked(id)` tells whether a node is drawn taller (an
// issue line), so the layout leaves it room.
export function tidy(marked) {
  running ??= layout(marked).finally(() => (running = null));
  return running;
}

async function layout(marked) {
  const { nodes, edges } = model.current();
  if (!nodes.length || model.isReadOnly()) return;
  const worker = new Worker(new URL("./tidy_worker.js", import.meta.url), { type: "module" });
  try {
    const { positions, routes } = await new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => resolve(data);
      worker.onerror = (error) => reject(error);
      worker.postMessage({
        nodes: nodes.map((node) => ({ id: node.id, ...nodeSize(node, marked(node.id)) })),
        edges: edges.map((edge) => ({ id: edge.id, source: edge.source, target: edge.target })),
      });
    });
    // Nodes deleted meanwhile are left out; nodes added meanwhile stay where they are.
    const moves = Object.entries(positions)
      .filter(([id]) => model.node(id))
      .map(([id, position]) => ({ id, position }));
    emit("wires:route", { routes, positions });
    model.moveNodes(moves, "Tidy up");
  } finally {
    worker.terminate();
  }
}
