// Presentation of node types only (one-line summaries, port captions); the rules come from the
// `nodeTypes` query. Categories are shown by colour (CSS), so no icon font is needed.
let labels = {};

export function useProperties(properties) {
  labels = Object.fromEntries(properties.map((property) => [property.key, property.label]));
}

const label = (key) => (key ? labels[key] ?? key : "…");
const short = (text, size = 40) => (text && text.length > size ? `${text.slice(0, size - 1)}…` : text ?? "");

const SUMMARIES = {
  page_visit: (c) => `${c.match ?? "contains"} ${c.url || "…"}${c.limit === "every_visit" ? " · every visit" : " · once"}`,
  send_message: (c) => short(c.text) || "…",
  decision: (c) => short(c.text) || "…",
  ask_question: (c) => (c.saveTo ? `Save as ${label(c.saveTo)}` : short(c.text) || "…"),
  update_property: (c) =>
    (c.updates ?? []).map((u) => `Set ${label(u.key)} = ${u.value ?? "…"}`).join(", ") || "…",
  increment_property: (c) => {
    const by = Number(c.by ?? 1);
    return `${label(c.key)} ${by < 0 ? "−" : "+"} ${Math.abs(by)}`;
  },
  condition: (c) => `${label(c.key)} ${c.op ?? "EQ"} ${c.value ?? ""}`.trim(),
  end: () => "",
};

export function summary(node) {
  return (SUMMARIES[node.type] ?? (() => ""))(node.config ?? {});
}

export function portLabel(node, port) {
  if (node.type === "decision") return node.config?.options?.[Number(port)] ?? port;
  return port;
}
