// Copy, paste and duplicate nodes. The copied nodes and the wires between them are kept in
// localStorage, so a copy can be pasted into another flow of the same browser; a paste gets
// fresh ids and is one undo step.
import * as model from "./model.js";

const STORAGE_KEY = "propflow.clipboard";
const STEP = 40;
let pastes = 0;

// Copies the nodes; false when there was nothing to copy.
export function copy(nodeIds) {
  const copied = pick(nodeIds);
  if (!copied.nodes.length) return false;
  localStorage.setItem(STORAGE_KEY, JSON.stringify(copied));
  pastes = 0;
  return true;
}

export function hasCopy() {
  return Boolean(read()?.nodes?.length);
}

// Pastes the copied nodes with their top-left node at `at`, or offset from where they were
// copied (further with each paste); the new node ids.
export function paste(at = null) {
  const copied = read();
  if (!copied?.nodes?.length) return [];
  pastes += 1;
  const left = Math.min(...copied.nodes.map((node) => node.position.x));
  const top = Math.min(...copied.nodes.map((node) => node.position.y));
  const offset = at ? { x: at.x - left, y: at.y - top } : { x: STEP * pastes, y: STEP * pastes };
  return model.addCopies(copied.nodes, copied.edges, offset);
}

// Copies of the nodes beside them, without touching what was copied; the new node ids.
export function duplicate(nodeIds) {
  const { nodes, edges } = pick(nodeIds);
  return nodes.length ? model.addCopies(nodes, edges, { x: STEP, y: STEP }, "Duplicate") : [];
}

function pick(nodeIds) {
  const ids = new Set(nodeIds);
  const { nodes, edges } = model.current();
  return {
    nodes: nodes.filter((node) => ids.has(node.id)),
    edges: edges.filter((edge) => ids.has(edge.source) && ids.has(edge.target)),
  };
}

function read() {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "null");
  } catch {
    return null;
  }
}
