// Find a node (Ctrl+F): a box over the canvas that matches the query against each node's type,
// text and summary; Enter (or ↓) goes to the next match, Shift+Enter (or ↑) to the previous,
// each one selected and centred; Escape closes it.
import { element } from "./views.js";
import * as model from "./model.js";
import * as catalogue from "./node_types/index.js";

let box;
let input;
let count;
let matches = [];
let at = -1;
let goTo = () => {};

// `show(nodeId)` selects and centres a match.
export function init(container, { show }) {
  goTo = show;
  input = element("input", { type: "search", placeholder: "Find a node…", "aria-label": "Find a node" });
  count = element("span", { class: "pf-muted", role: "status" });
  box = element(
    "div",
    { class: "pf-search", role: "search", hidden: true },
    input,
    count,
    element("button", { type: "button", text: "✕", class: "pf-icon-button", "aria-label": "Close search", onClick: close }),
  );
  container.append(box);
  input.addEventListener("input", () => find(input.value));
  input.addEventListener("keydown", (event) => {
    const step = { Enter: event.shiftKey ? -1 : 1, ArrowDown: 1, ArrowUp: -1 }[event.key];
    if (event.key === "Escape") close();
    else if (step) {
      event.preventDefault();
      next(step);
    }
  });
  return () => box.remove();
}

export function open() {
  box.hidden = false;
  input.focus();
  input.select();
}

function close() {
  box.hidden = true;
  document.querySelector(".pf-canvas")?.focus();
}

function find(query) {
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  matches = words.length
    ? model.current().nodes.filter((node) => {
        const text = searchable(node);
        return words.every((word) => text.includes(word));
      })
    : [];
  at = -1;
  if (matches.length) next(1);
  else count.textContent = words.length ? "No match" : "";
}

function next(step) {
  if (!matches.length) return;
  at = (at + step + matches.length) % matches.length;
  count.textContent = `${at + 1} of ${matches.length}`;
  goTo(matches[at].id);
}

function searchable(node) {
  const texts = Object.values(node.config ?? {}).flatMap((value) => (Array.isArray(value) ? value : [value]));
  return [catalogue.label(node.type), catalogue.summary(node), ...texts.filter((value) => typeof value === "string")]
    .join(" ")
    .toLowerCase();
}
