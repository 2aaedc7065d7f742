// The inspector: the config form of the selected node, generated from its type's configSchema
// (fields.js builds each control), with that node's validation issues above the form. Every
// commit is one model command; the form is redrawn from the model, keeping the focused control,
// except after a keystroke: the form already shows what was typed, and a redraw would move the
// caret and break input methods.
import { element, fill } from "./views.js";
import { subscribe } from "./events.js";
import { fieldRow } from "./fields.js";
import * as model from "./model.js";
import * as catalogue from "./node_types/index.js";

let root;
let nodeId = null;
let issues = [];
let shown = null;

export function init(container) {
  root = container;
  nodeId = null;
  render();
  return subscribe({
    "selection:change": (selection) => {
      nodeId = selection?.nodeId ?? null;
      render();
    },
    // A loaded document (a version opened read-only, a restore) replaces the node under the form.
    "document:load": render,
    "node:update": (node) => node.id === nodeId && node.config !== shown && render(),
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
  shown = node.config;
  const form = element(
    "fieldset",
    { class: "pf-form", disabled: model.isReadOnly() },
    ...(rules?.configSchema.fields ?? []).map((field) =>
      fieldRow(field, node.config ?? {}, look, commit(node.id, field.name)),
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

// Saves one field into the node's config as the model has it now, not as it was when the form
// was drawn: other fields may have been typed into since, or the document reloaded. A list field
// passes a function that changes the current list.
function commit(id, name) {
  return (value, { ports, typing } = {}) => {
    const current = model.node(id).config ?? {};
    const config = { ...current, [name]: typeof value === "function" ? value(current[name] ?? []) : value };
    if (typing) shown = config;
    model.setConfig(id, config, { ports, coalesce: typing });
  };
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
