// One flow's editor screen: the toolbar, the palette, the canvas with the issues panel under it,
// and the side panel (inspector, preview, versions, runs). It loads the flow, starts each module on
// its part of the page and turns toolbar buttons and keyboard shortcuts into their calls.
import { queries } from "./api.js";
import * as autosave from "./autosave.js";
import * as canvas from "./canvas.js";
import * as clipboard from "./clipboard.js";
import * as contextMenu from "./context_menu.js";
import * as flowRuns from "./flow_runs.js";
import { element } from "./views.js";
import { subscribe } from "./events.js";
import * as history from "./history.js";
import * as inspector from "./inspector.js";
import * as issues from "./issues.js";
import * as minimap from "./minimap.js";
import * as overview from "./overview.js";
import * as model from "./model.js";
import * as catalogue from "./node_types/index.js";
import * as notice from "./notice.js";
import * as palette from "./palette.js";
import * as preview from "./preview.js";
import * as propertyTypes from "./property_types.js";
import * as publishing from "./publishing.js";
import * as search from "./search.js";
import { tidy } from "./tidy.js";

const STATUS = {
  saved: "Saved",
  unsaved: "Unsaved changes",
  saving: "Saving…",
  conflict: "Not saved: changed elsewhere",
  failed: "Not saved",
  retrying: "Saving failed, retrying",
};
let stops = [];

export async function show(root, flowId) {
  const [flow, nodeTypes, properties] = await Promise.all([
    queries.flow(flowId),
    queries.nodeTypes(),
    queries.properties(),
    propertyTypes.load(),
  ]);
  if (!flow) {
    root.replaceChildren(element("p", { class: "pf-page", text: "This flow does not exist (any more). " }, element("a", { href: "#/", text: "Back to the flows" })));
    return;
  }
  catalogue.useCatalogue(nodeTypes, properties);
  const page = layout(flow);
  root.replaceChildren(page.editor);
  // The page's own subscriptions come before autosave, which announces the save status at once.
  stops = [
    palette.init(page.palette),
    overview.init(),
    canvas.init(page.canvas),
    minimap.init(page.canvas),
    search.init(page.center, { show: showNode }),
    contextMenu.init(MENU),
    inspector.init(page.inspector),
    issues.init(page.issues),
    preview.init(page.preview),
    flowRuns.init(page.runs, flow.id),
    subscribe({
      "save:status": ({ state, detail }) => {
        page.status.dataset.state = state;
        page.status.textContent = detail ? `${STATUS[state]}: ${detail}` : STATUS[state];
      },
      "history:change": ({ undo, redo }) => {
        page.undo.disabled = !undo;
        page.undo.title = undo ? `Undo ${undo} (Ctrl+Z)` : "Nothing to undo";
        page.redo.disabled = !redo;
        page.redo.title = redo ? `Redo ${redo} (Ctrl+Shift+Z)` : "Nothing to redo";
      },
      "view:change": ({ scale }) => {
        // Only when it changes: writing the same text would still repaint the toolbar each frame.
        const shown = `${Math.round(scale * 100)}%`;
        if (page.zoom.textContent !== shown) page.zoom.textContent = shown;
      },
      "palette:drop": ({ type, position }) => addNode(type, position),
      "selection:change": (selection) => selection?.nodeId && page.showTab("Inspector"),
      "issue:select": (target) => {
        if (target.nodeId && model.node(target.nodeId)) showNode(target.nodeId);
        else if (target.edgeId) canvas.select(target);
      },
      "flow:restore": (record) => model.load(record.draft),
      // A version opened read-only: every control that would change the flow is off.
      "document:load": () => {
        for (const control of page.editor.querySelectorAll("[data-edits]")) control.disabled = model.isReadOnly();
      },
    }),
    autosave.track(flow, { reload: () => reopen(root, flowId) }),
    listen(window, "keydown", shortcut),
    listen(window, "beforeunload", (event) => autosave.hasUnsavedChanges() && event.preventDefault()),
  ];
  publishing.init(flow, { versionsPanel: page.versions, enabledToggle: page.enabled, show: showNode });
  model.load(flow.draft);
  canvas.fit();
}

// Saves what is unsaved and lets go of the page (leaving for the list, signing out).
export async function close() {
  if (!stops.length) return;
  await autosave.save();
  stops.forEach((stop) => stop());
  stops = [];
}

async function reopen(root, flowId) {
  stops.forEach((stop) => stop());
  stops = [];
  notice.hide();
  await show(root, flowId);
}

function layout(flow) {
  const button = (text, action, extra = {}) => element("button", { type: "button", text, onClick: action, ...extra });
  const page = {
    status: element("span", { class: "pf-save-status", role: "status" }),
    undo: button("Undo", history.undo, { disabled: true }),
    redo: button("Redo", history.redo, { disabled: true }),
    zoom: button("100%", () => canvas.zoomTo(1), { "aria-label": "Reset zoom", title: "Reset zoom to 100%" }),
    enabled: element("input", { type: "checkbox", "aria-label": "Enabled" }),
    palette: element("nav", { class: "pf-palette", "aria-label": "Node palette" }),
    canvas: element("section", { class: "pf-canvas", "aria-label": "Canvas", tabindex: "0" }),
    issues: element("section", { class: "pf-issues", "aria-label": "Issues" }),
    inspector: element("section", { class: "pf-inspector", "aria-label": "Inspector" }),
    preview: element("section", { class: "pf-preview", "aria-label": "Preview" }),
    versions: element("section", { class: "pf-versions-panel", "aria-label": "Versions" }),
    runs: element("section", { class: "pf-runs-panel", "aria-label": "Runs" }),
  };
  const name = element("input", { class: "pf-flow-name", "aria-label": "Flow name", value: flow.name, required: true, "data-edits": true });
  name.addEventListener("change", () => name.value.trim() && autosave.rename(name.value.trim()));
  page.center = element("div", { class: "pf-center" }, page.canvas, page.issues);
  const side = tabs(
    { Inspector: page.inspector, Preview: page.preview, Versions: page.versions, Runs: page.runs },
    (name) => {
      preview.setShown(name === "Preview");
      flowRuns.setShown(name === "Runs");
    },
  );
  page.showTab = side.show;
  page.editor = element(
    "div",
    { class: "pf-editor" },
    element(
      "div",
      { class: "pf-toolbar", role: "toolbar", "aria-label": "Editor" },
      element("a", { href: "#/", class: "pf-back", text: "← Flows" }),
      name,
      page.status,
      element("span", { class: "pf-spacer" }),
      page.undo,
      page.redo,
      button("Delete selected", deleteSelection, { title: "Delete the selected nodes or wire (Delete)", "data-edits": true }),
      button("Tidy up", tidyUp, { title: "Lay the flow out left to right (one undo step)", "data-edits": true }),
      element("span", { class: "pf-separator" }),
      button("−", () => canvas.zoom(1 / 1.2), { "aria-label": "Zoom out" }),
      page.zoom,
      button("+", () => canvas.zoom(1.2), { "aria-label": "Zoom in" }),
      button("Fit", canvas.fit, { "aria-label": "Fit to view" }),
      element("span", { class: "pf-separator" }),
      button("Save", autosave.save, { title: "Save the draft now (Ctrl+S)", "data-edits": true }),
      element("label", { class: "pf-switch" }, page.enabled, "On"),
      button("Publish", publishing.publish, { class: "pf-primary", "data-edits": true }),
    ),
    element(
      "div",
      { class: "pf-panes" },
      page.palette,
      page.center,
      side.element,
    ),
  );
  return page;
}

// Side-panel tabs: `show(name)` selects one (and tells `changed(name)`); arrow keys move between them.
function tabs(panels, changed) {
  const names = Object.keys(panels);
  const buttons = names.map((name) =>
    element("button", { type: "button", role: "tab", id: `pf-tab-${name}`, text: name, onClick: () => show(name) }),
  );
  const list = element("div", { class: "pf-tabs", role: "tablist", "aria-label": "Side panel" }, ...buttons);
  list.addEventListener("keydown", (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    const index = (buttons.indexOf(document.activeElement) + step + names.length) % names.length;
    show(names[index]);
    buttons[index].focus();
  });
  for (const [name, panel] of Object.entries(panels)) {
    panel.setAttribute("role", "tabpanel");
    panel.setAttribute("aria-labelledby", `pf-tab-${name}`);
  }
  function show(chosen) {
    names.forEach((name, index) => {
      buttons[index].setAttribute("aria-selected", String(name === chosen));
      buttons[index].tabIndex = name === chosen ? 0 : -1;
      panels[name].hidden = name !== chosen;
    });
    changed(chosen);
  }
  show(names[0]);
  return { element: element("aside", { class: "pf-side" }, list, ...Object.values(panels)), show };
}

function addNode(type, position) {
  const config = {};
  for (const field of catalogue.rules(type)?.configSchema.fields ?? []) {
    if (field.default !== null && field.default !== undefined) config[field.name] = structuredClone(field.default);
  }
  let at = position ?? canvas.visibleCenter();
  const taken = (point) => model.current().nodes.some((node) => Math.hypot(node.position.x - point.x, node.position.y - point.y) < 20);
  while (taken(at)) at = { x: at.x + 30, y: at.y + 30 };
  const id = model.addNode(type, at, config);
  if (id) canvas.select({ nodeId: id });
}

// Selects and centres a node (a search match, an issue).
function showNode(nodeId) {
  canvas.select({ nodeId });
  canvas.centre(nodeId);
}

const editable = () => !model.isReadOnly();
const anySelected = () => editable() && canvas.selected().nodeIds.length > 0;
const MENU = [
  { label: "Duplicate", shortcut: "Ctrl+D", enabled: anySelected, run: duplicateSelection },
  { label: "Copy", shortcut: "Ctrl+C", enabled: () => canvas.selected().nodeIds.length > 0, run: copySelection },
  { label: "Paste here", shortcut: "Ctrl+V", enabled: () => editable() && clipboard.hasCopy(), run: (at) => pasteCopy(at) },
  { label: "Disconnect", enabled: anySelected, run: () => model.disconnect(canvas.selected().nodeIds) },
  {
    label: "Delete",
    shortcut: "Del",
    enabled: () => editable() && (canvas.selected().nodeIds.length > 0 || Boolean(canvas.selected().edgeId)),
    run: deleteSelection,
  },
  { label: "Tidy up", enabled: editable, run: tidyUp },
];

function copySelection() {
  clipboard.copy(canvas.selected().nodeIds);
}

function pasteCopy(at = null) {
  const added = clipboard.paste(at);
  if (added.length) canvas.select({ nodeIds: added });
}

function duplicateSelection() {
  const added = clipboard.duplicate(canvas.selected().nodeIds);
  if (added.length) canvas.select({ nodeIds: added });
}

function selectAll() {
  canvas.select({ nodeIds: model.current().nodes.map((node) => node.id) });
}

async function tidyUp() {
  await tidy(canvas.marked);
  canvas.fit();
}

function deleteSelection() {
  const selection = canvas.selected();
  if (selection.nodeIds.length) model.removeNodes(selection.nodeIds);
  else if (selection.edgeId) model.removeEdge(selection.edgeId);
}

function shortcut(event) {
  const typing = event.target.closest?.("input, textarea, select, [contenteditable]");
  // Delete and Backspace act on the selection only from the canvas (or nowhere in particular):
  // on a focused button or tab they must not delete a node the designer is not looking at.
  const onCanvas = event.target === document.body || event.target.closest?.(".pf-canvas");
  const command = event.ctrlKey || event.metaKey;
  const key = event.key.toLowerCase();
  const action =
    command && key === "s" ? autosave.save
    : command && key === "f" ? search.open
    : command && key === "z" && !typing ? (event.shiftKey ? history.redo : history.undo)
    : command && key === "y" && !typing ? history.redo
    : command && key === "c" && !typing && onCanvas ? copySelection
    : command && key === "v" && !typing && onCanvas ? () => pasteCopy()
    : command && key === "d" && !typing && onCanvas ? duplicateSelection
    : command && key === "a" && !typing && onCanvas ? selectAll
    : (key === "delete" || key === "backspace") && onCanvas ? deleteSelection
    : key === "escape" && !typing ? () => canvas.select(null)
    : null;
  if (!action) return;
  event.preventDefault();
  action();
}

function listen(target, name, handler) {
  target.addEventListener(name, handler);
  return () => target.removeEventListener(name, handler);
}
