// One node on the canvas as DOM: header with icon and type, one-line summary, the first issue,
// its input and output ports and the run count. Presentation only; canvas.js handles gestures.
import { element, fill } from "./views.js";
import * as catalogue from "./node_types/index.js";

// Fills `box` (a .pf-node element, kept across updates so focus survives) for `node`.
export function fillNode(box, node, { mark, count, selected, preview }) {
  const rules = catalogue.rules(node.type);
  const look = catalogue.look(node.type);
  const title = catalogue.label(node.type);
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
  box.style.left = `${node.position.x}px`;
  box.style.top = `${node.position.y}px`;
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
    element("div", { class: "pf-node-summary", text: catalogue.summary(node) }),
    mark ? element("div", { class: "pf-node-issue", text: mark.message }) : null,
    element(
      "div",
      { class: "pf-node-ports" },
      ...catalogue.outputPorts(node).map((port) =>
        element("span", {
          class: "pf-port",
          "data-port": port,
          title: `Drag to connect “${catalogue.portLabel(node, port)}”`,
          "aria-label": `Output ${catalogue.portLabel(node, port)} of ${catalogue.summary(node)}`,
          text: catalogue.portLabel(node, port),
        }),
      ),
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

// Where a wire leaves `port` of the node drawn in `box`, or enters it (port "in"), in canvas units.
export function portPoint(box, port) {
  const x = box.offsetLeft;
  const y = box.offsetTop;
  if (port === "in") return { x, y: y + 20 };
  const handle = box.querySelector(`.pf-port[data-port="${CSS.escape(port)}"]`);
  if (!handle) return { x: x + box.offsetWidth, y: y + 20 };
  return { x: x + box.offsetWidth, y: y + handle.offsetTop + handle.offsetHeight / 2 };
}

function setFlag(box, name, value) {
  if (value === null) delete box.dataset[name];
  else box.dataset[name] = value;
}
