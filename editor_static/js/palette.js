// The palette: node types from the `nodeTypes` query, grouped by category. Drag one onto the
// canvas to add it there, or activate it (click, Enter) to add it in the middle of the view.
import { element } from "./views.js";
import { emit, subscribe } from "./events.js";
import * as model from "./model.js";
import * as catalogue from "./node_types/index.js";

export const NODE_MIME = "application/x-propflow-node-type";

export function init(nav) {
  nav.replaceChildren();
  for (const [category, title] of catalogue.CATEGORIES) {
    const members = catalogue.all().filter((type) => type.category === category);
    if (!members.length) continue;
    nav.append(element("h3", { text: title }), ...members.map(item));
  }
  // A version opened read-only takes no new nodes.
  return subscribe({
    "document:load": () => {
      for (const entry of nav.querySelectorAll("button")) entry.disabled = model.isReadOnly();
    },
  });
}

function item(type) {
  const entry = element(
    "button",
    {
      type: "button",
      class: "pf-palette-item",
      draggable: "true",
      "data-node-type": type.type,
      "data-category": type.category,
      "aria-label": `Add ${type.label}`,
      title: `Drag onto the canvas, or click to add “${type.label}”`,
      onClick: () => emit("palette:drop", { type: type.type, position: null }),
    },
    element("span", { class: "pf-node-icon", "aria-hidden": "true", text: catalogue.look(type.type).icon }),
    element("span", { text: type.label }),
  );
  entry.addEventListener("dragstart", (event) => {
    event.dataTransfer.setData(NODE_MIME, type.type);
    event.dataTransfer.effectAllowed = "copy";
  });
  return entry;
}
