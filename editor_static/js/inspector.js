// The inspector: the config form of the selected node, generated from its type's configSchema
// (fields.js builds each control), with that node's validation issues above the form. Every
// commit is one model command; the form is redrawn from the model, keeping the focused control.
import { element, fill } from "./views.js";
import { subscribe } from "./events.js";
import { fieldRow } from "./fields.js";
import * as model from "./model.js";
import * as catalogue from "./node_types/index.js";

let root;
let nodeId = null;
let issues = [];

export function init(container) {
  root = container;
  nodeId = null;
  render();
  return subscribe({
    "selection:change": (selection) => {
      nodeId = selection?.nodeId ?? null;
      render();
    },
    "node:update": (node) => node.id === nodeId && render(),
    "node:remove": (node) => node.id === nodeId && render(),
    "node:add": (node) => node.id === nodeId && render(),
    "issues:change": (report) => {
      issues = report.issues;
      showIssues();
    },
  });
}

function render() {
  const node = nodeId && model.node(nodeId);
  const focused = root.contains(document.activeElement) ? document.activeElement.dataset.path : null;
  if (!node) {
    root.replaceChildren(
      element("p", { class: "pf-muted", text: "Select a node to edit it, or drag a node type from the palette onto the canvas." }),
    );
    return;
  }
  const rules = catalogue.rules(node.type);
  const look = catalogue.look(node.type);
  const config = node.config ?? {};
  const form = element(
    "fieldset",
    { class: "pf-form", disabled: model.isReadOnly() },
    ...(rules?.configSchema.fields ?? []).map((field) =>
      fieldRow(field, config, look, (value, ports) =>
        model.setConfig(node.id, { ...config, [field.name]: value }, { ports }),
      ),
    ),
  );
  fill(
    root,
    element(
      "h2",
      {},
      element("span", { class: "pf-node-icon", "aria-hidden": "true", text: look.icon }),
      ` ${catalogue.label(node.type)}`,
    ),
    element("p", { class: "pf-muted", text: `Node ${node.id}` }),
    element("ul", { class: "pf-node-issues", "aria-label": "Issues of this node" }),
    form,
    model.isReadOnly()
      ? null
      : element("button", { type: "button", class: "pf-danger", text: "Delete node", onClick: () => model.removeNode(node.id) }),
  );
  showIssues();
  if (focused) root.querySelector(`[data-path="${CSS.escape(focused)}"]`)?.focus();
}

function showIssues() {
  const list = root.querySelector(".pf-node-issues");
  if (!list) return;
  list.replaceChildren(
    ...issues
      .filter((issue) => issue.nodeId === nodeId)
      .map((issue) => element("li", { class: "pf-inspector-issue", "data-severity": issue.severity, text: issue.message })),
  );
}
