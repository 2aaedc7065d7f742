// The flow document as plain data, and the only module that changes it. Every change goes
// through `change()`, which lets history.js record it and tells listeners ("document:change").
import { emit } from "./events.js";

let documentData = { nodes: [], edges: [] };
let readOnly = false;

export function load(graph, { locked = false } = {}) {
  documentData = structuredClone(graph ?? { nodes: [], edges: [] });
  documentData.nodes ??= [];
  documentData.edges ??= [];
  readOnly = locked;
  emit("document:load", documentData);
}

export function current() {
  return documentData;
}

export function isReadOnly() {
  return readOnly;
}

export function node(id) {
  return documentData.nodes.find((item) => item.id === id);
}

export function change(label, mutate) {
  if (readOnly) return;
  const before = structuredClone(documentData);
  mutate(documentData);
  emit("document:change", { label, before });
}

export function replace(graph) {
  documentData = structuredClone(graph);
  emit("document:change", { label: "replace", before: null });
}

export function addNode(type, position, config) {
  const id = freshId(type);
  change("node:add", (doc) => {
    doc.nodes.push({ id, type, position: roundPosition(position), config: structuredClone(config) });
  });
  return id;
}

export function moveNode(id, position) {
  change("node:move", () => {
    node(id).position = roundPosition(position);
  });
}

export function removeNode(id) {
  change("node:remove", (doc) => {
    doc.nodes = doc.nodes.filter((item) => item.id !== id);
    doc.edges = doc.edges.filter((edge) => edge.source !== id && edge.target !== id);
  });
}

export function setConfig(id, config) {
  change("node:config", () => {
    node(id).config = structuredClone(config);
  });
}

export function connect(source, sourcePort, target) {
  if (source === target) return;
  change("edge:add", (doc) => {
    // One wire per output port: a new wire replaces the old one.
    doc.edges = doc.edges.filter((edge) => !(edge.source === source && edge.sourcePort === sourcePort));
    doc.edges.push({ id: freshEdgeId(), source, sourcePort, target });
  });
}

export function removeEdge(id) {
  change("edge:remove", (doc) => {
    doc.edges = doc.edges.filter((edge) => edge.id !== id);
  });
}

function freshId(type) {
  const taken = new Set(documentData.nodes.map((item) => item.id));
  let number = 1;
  while (taken.has(`${type}_${number}`)) number += 1;
  return `${type}_${number}`;
}

function freshEdgeId() {
  const taken = new Set(documentData.edges.map((edge) => edge.id));
  let number = 1;
  while (taken.has(`e${number}`)) number += 1;
  return `e${number}`;
}

function roundPosition({ x, y }) {
  return { x: Math.round(x), y: Math.round(y) };
}
