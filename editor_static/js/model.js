// The flow document as plain data, and the only module that changes it.
//
// Every edit is a command: a label and a list of steps. Running a step returns the step that
// undoes it, so each command carries its own inverse and history.js can undo and redo without
// copying the document. Nodes and edges are frozen; a change replaces them, which lets views
// compare by identity. Each step announces itself (node:add, node:update, node:remove, edge:add,
// edge:remove) and each command ends with one document:change.
import { emit } from "./events.js";

let doc = { nodes: [], edges: [] };
let byId = new Map();
let edgesById = new Map();
let readOnly = false;

export function load(graph, { locked = false } = {}) {
  doc = {
    nodes: (graph?.nodes ?? []).map(deepFreeze),
    edges: (graph?.edges ?? []).map(deepFreeze),
  };
  byId = new Map(doc.nodes.map((item) => [item.id, item]));
  edgesById = new Map(doc.edges.map((item) => [item.id, item]));
  readOnly = locked;
  emit("document:load", doc);
}

export function current() {
  return doc;
}

export function isReadOnly() {
  return readOnly;
}

export function node(id) {
  return byId.get(id);
}

export function edge(id) {
  return edgesById.get(id);
}

// Runs a command's steps; `source` tells history.js whether it is an edit or its own undo/redo,
// and commands with the same `coalesce` key in a row are one step of history (typing).
export function run(label, steps, { source = "edit", coalesce = null } = {}) {
  if (readOnly || !steps.length) return null;
  const inverse = steps.map((step) => STEPS[step.op](step)).reverse();
  const command = { label, steps, inverse, coalesce };
  emit("document:change", { command, source });
  return command;
}

// Whether a command added, removed or moved anything, or only changed configs (typing), which
// leaves the drawing's geometry (the minimap, what is on screen) as it was.
export function changesLayout(command) {
  return command.steps.some((step) => step.op !== "updateNode" || "position" in step.changes);
}

export function addNode(type, position, config) {
  const id = freshId(type, doc.nodes);
  run("Add node", [{ op: "insertNode", node: { id, type, position: rounded(position), config } }]);
  return id;
}

export function moveNode(id, position) {
  moveNodes([{ id, position }]);
}

// Moves several nodes as one command: `moves` is a list of {id, position}.
export function moveNodes(moves, label = moves.length === 1 ? "Move node" : "Move nodes") {
  const steps = moves.map(({ id, position }) => ({ op: "updateNode", id, changes: { position: rounded(position) } }));
  run(label, steps);
}

// `ports` maps old output ports to new ones (null: gone), for types whose ports follow the
// config (a decision's buttons): their wires move along or are removed in the same command.
export function setConfig(id, config, { ports = {}, coalesce = null } = {}) {
  const steps = [{ op: "updateNode", id, changes: { config } }];
  for (const wire of doc.edges) {
    if (wire.source !== id || !(wire.sourcePort in ports)) continue;
    const port = ports[wire.sourcePort];
    steps.push({ op: "deleteEdge", id: wire.id });
    if (port !== null) steps.push({ op: "insertEdge", edge: { ...wire, sourcePort: port } });
  }
  run("Edit node", steps, { coalesce });
}

export function removeNode(id) {
  removeNodes([id]);
}

// Deletes nodes and every wire touching them, as one command.
export function removeNodes(ids) {
  const gone = new Set(ids);
  const wires = doc.edges.filter((wire) => gone.has(wire.source) || gone.has(wire.target));
  run(gone.size === 1 ? "Delete node" : "Delete nodes", [
    ...wires.map((wire) => ({ op: "deleteEdge", id: wire.id })),
    ...[...gone].map((id) => ({ op: "deleteNode", id })),
  ]);
}

// One wire per output port: a new wire from a used port replaces the old one.
export function connect(source, sourcePort, target) {
  if (source === target) return;
  const old = doc.edges.find((wire) => wire.source === source && wire.sourcePort === sourcePort);
  if (old?.target === target) return;
  const id = freshId("e", doc.edges, "");
  run("Connect", [
    ...(old ? [{ op: "deleteEdge", id: old.id }] : []),
    { op: "insertEdge", edge: { id, source, sourcePort, target } },
  ]);
}

export function removeEdge(id) {
  run("Delete wire", [{ op: "deleteEdge", id }]);
}

// Deletes every wire into or out of the nodes, as one command.
export function disconnect(ids) {
  const nodes = new Set(ids);
  const wires = doc.edges.filter((wire) => nodes.has(wire.source) || nodes.has(wire.target));
  run("Disconnect", wires.map((wire) => ({ op: "deleteEdge", id: wire.id })));
}

// Adds copies of `nodes` moved by `offset`, wired as `edges` wires them (wires to nodes not
// copied are left out), with fresh ids, as one command; the copies' ids in order.
export function addCopies(nodes, edges, offset, label = "Paste") {
  const takenNodes = new Set(doc.nodes.map((item) => item.id));
  const takenEdges = new Set(doc.edges.map((item) => item.id));
  const ids = new Map(nodes.map((item) => [item.id, claim(item.type, "_", takenNodes)]));
  const steps = nodes.map((item) => ({
    op: "insertNode",
    node: {
      id: ids.get(item.id),
      type: item.type,
      position: rounded({ x: item.position.x + offset.x, y: item.position.y + offset.y }),
      config: structuredClone(item.config ?? {}),
    },
  }));
  for (const wire of edges) {
    if (!ids.has(wire.source) || !ids.has(wire.target)) continue;
    const id = claim("e", "", takenEdges);
    steps.push({ op: "insertEdge", edge: { id, source: ids.get(wire.source), sourcePort: wire.sourcePort, target: ids.get(wire.target) } });
  }
  run(label, steps);
  return [...ids.values()];
}

const STEPS = {
  insertNode({ node: added, index = doc.nodes.length }) {
    const frozen = deepFreeze(added);
    doc.nodes.splice(index, 0, frozen);
    byId.set(frozen.id, frozen);
    emit("node:add", frozen);
    return { op: "deleteNode", id: frozen.id };
  },
  deleteNode({ id }) {
    const index = doc.nodes.findIndex((item) => item.id === id);
    const [removed] = doc.nodes.splice(index, 1);
    byId.delete(id);
    emit("node:remove", removed);
    return { op: "insertNode", node: removed, index };
  },
  updateNode({ id, changes }) {
    const index = doc.nodes.findIndex((item) => item.id === id);
    const before = doc.nodes[index];
    const after = deepFreeze({ ...before, ...changes });
    doc.nodes[index] = after;
    byId.set(id, after);
    emit("node:update", after);
    const previous = Object.fromEntries(Object.keys(changes).map((key) => [key, before[key]]));
    return { op: "updateNode", id, changes: previous };
  },
  insertEdge({ edge: added, index = doc.edges.length }) {
    const frozen = deepFreeze(added);
    doc.edges.splice(index, 0, frozen);
    edgesById.set(frozen.id, frozen);
    emit("edge:add", frozen);
    return { op: "deleteEdge", id: frozen.id };
  },
  deleteEdge({ id }) {
    const index = doc.edges.findIndex((item) => item.id === id);
    const [removed] = doc.edges.splice(index, 1);
    edgesById.delete(id);
    emit("edge:remove", removed);
    return { op: "insertEdge", edge: removed, index };
  },
};

function freshId(prefix, items, separator = "_") {
  return claim(prefix, separator, new Set(items.map((item) => item.id)));
}

// The first `prefix<separator>N` not in `taken`, which it joins.
function claim(prefix, separator, taken) {
  let number = 1;
  while (taken.has(`${prefix}${separator}${number}`)) number += 1;
  const id = `${prefix}${separator}${number}`;
  taken.add(id);
  return id;
}

function rounded({ x, y }) {
  return { x: Math.round(x), y: Math.round(y) };
}

function deepFreeze(value) {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
