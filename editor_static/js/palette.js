// The node palette, built from the `nodeTypes` query and grouped by category; drag a type onto
// the canvas (or press Enter on it) to add a node.
import { emit } from "./events.js";
import { NODE_MIME } from "./canvas.js";

const GROUPS = [
  ["trigger", "Triggers"],
  ["message", "Messages"],
  ["question", "Questions"],
  ["property", "Properties"],
  ["logic", "Logic"],
];

export function init(element, nodeTypes) {
  element.innerHTML = "";
  for (const [category, title] of GROUPS) {
    const members = nodeTypes.filter((type) => type.category === category);
    if (!members.length) continue;
    const heading = document.createElement("h3");
    heading.textContent = title;
    element.append(heading);
    for (const type of members) element.append(item(type));
  }
}

function item(type) {
  const entry = document.createElement("button");
  entry.type = "button";
  entry.className = "pf-palette-item";
  entry.draggable = true;
  entry.dataset.nodeType = type.type;
  entry.setAttribute("aria-label", `Add ${type.label}`);
  entry.dataset.category = type.category;
  entry.textContent = type.label;
  entry.addEventListener("dragstart", (event) => {
    event.dataTransfer.setData(NODE_MIME, type.type);
    event.dataTransfer.effectAllowed = "copy";
  });
  entry.addEventListener("click", () => emit("palette:drop", { type: type.type, position: null }));
  return entry;
}
