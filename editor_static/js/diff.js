// Comparing two flow documents by node id: the nodes added, removed and changed (with the
// config fields that changed, and "type" or "wires" when those did). Positions do not count:
// moving a node changes nothing a visitor sees.
export function compareGraphs(before, after) {
  const old = new Map((before?.nodes ?? []).map((node) => [node.id, node]));
  const now = new Map((after?.nodes ?? []).map((node) => [node.id, node]));
  const wiresBefore = wiresByNode(before);
  const wiresAfter = wiresByNode(after);
  const added = [...now.values()].filter((node) => !old.has(node.id));
  const removed = [...old.values()].filter((node) => !now.has(node.id));
  const changed = [];
  for (const node of now.values()) {
    const previous = old.get(node.id);
    if (!previous) continue;
    const keys = new Set([...Object.keys(previous.config ?? {}), ...Object.keys(node.config ?? {})]);
    const fields = [...keys].filter((key) => !same(previous.config?.[key], node.config?.[key]));
    if (previous.type !== node.type) fields.unshift("type");
    if (wiresBefore.get(node.id) !== wiresAfter.get(node.id)) fields.push("wires");
    if (fields.length) changed.push({ node, fields });
  }
  return { added, removed, changed };
}

// Each node's outgoing wires as one comparable string.
function wiresByNode(graph) {
  const wires = new Map();
  for (const edge of graph?.edges ?? []) {
    wires.set(edge.source, [...(wires.get(edge.source) ?? []), `${edge.sourcePort}>${edge.target}`]);
  }
  return new Map([...wires].map(([id, list]) => [id, list.sort().join(",")]));
}

function same(a, b) {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
