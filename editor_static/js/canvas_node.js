// One node on the canvas as DOM: header with icon and type, one-line summary, the first issue,
// its input and output ports and the run count. Presentation only; canvas.js handles gestures.
//
// Every part of a node has a fixed height (editor.css says the same numbers), so where a wire
// meets a port is arithmetic on the model: drawing and moving wires never reads the layout,
// which at 1,000 nodes would cost a full layout per wire.
import { element, fill } from "./views.js";
import * as catalogue from "./node_types/index.js";

export const NODE_WIDTH = 220;
const BORDER = 1.5;
const HEADER = 26;
const SUMMARY = 20;
const ISSUE = 22;
const PORT = 22;
const BOTTOM = 4;
const INPUT_Y = 20;

// Fills `box` (a .pf-node element, kept across updates so focus survives) for `node`.
export function fillNode(box, node, { mark, count, selected, preview }) {
  const rules = catalogue.rules(node.type);
  const look = catalogue.look(node.type);
  const title = catalogue.label(node.type);
  const summary = catalogue.summary(node);
  box.className = "pf-node";
  box.dataset.nodeId = node.id;
  box.dataset.nodeType = node.type;
  box.dataset.category = rules?.category ?? "unknown";
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", `${title} ${node.id}`);
  box.tabIndex = 0;
  setFlag(box, "selected", selected ? "true" : null);
  setFlag(box, "severity", mark?.severity ?? null);
  setFlag(box, "preview", preview ?? null);
  placeNode(box, node.position);
  fill(
    box,
    catalogue.hasInput(node.type)
      ? element("span", { class: "pf-port-in", "data-port": "in", title: "input" })
      : null,
    element(
      "div",
      { class: "pf-node-header" },
      element("span", { class: "pf-node-icon", "aria-hidden": "true", text: look.icon }),
      element("span", { class: "pf-node-title", text: title }),
    ),
    element("div", { class: "pf-node-summary", text: summary, title: summary }),
    mark ? element("div", { class: "pf-node-issue", text: mark.message, title: mark.message }) : null,
    element(
      "div",
      { class: "pf-node-ports" },
      ...catalogue.outputPorts(node).map((port) => {
        const name = catalogue.portLabel(node, port);
        return element("span", {
          class: "pf-port",
          "data-port": port,
          title: `Drag to connect “${name}”`,
          "aria-label": `Output ${name} of ${summary}`,
          text: name,
        });
      }),
    ),
    count === undefined
      ? null
      : element("span", {
          class: "pf-node-count",
          title: `${count} run(s) of the published version entered this node`,
          "aria-label": `${count} runs`,
          text: String(count),
        }),
  );
}

export function placeNode(box, position) {
  box.style.left = `${position.x}px`;
  box.style.top = `${position.y}px`;
}

// The node's size in canvas units, as drawn with or without an issue line.
export function nodeSize(node, marked) {
  const ports = catalogue.outputPorts(node).length;
  return { width: NODE_WIDTH, height: 2 * BORDER + HEADER + SUMMARY + (marked ? ISSUE : 0) + ports * PORT + BOTTOM };
}

// Where a wire leaves output `port` of `node` drawn at `position`, or enters it (port "in").
export function portPoint(node, port, position, marked) {
  if (port === "in") return { x: position.x, y: position.y + INPUT_Y };
  const index = catalogue.outputPorts(node).indexOf(port);
  const above = BORDER + HEADER + SUMMARY + (marked ? ISSUE : 0);
  return { x: position.x + NODE_WIDTH, y: position.y + above + Math.max(0, index) * PORT + PORT / 2 };
}

export function setFlag(box, name, value) {
  if (value === null) delete box.dataset[name];
  else box.dataset[name] = value;
}
