// The flow editor screen: palette, canvas, inspector, issues and preview around one flow, with
// autosave (guarded by the flow's revision), undo/redo, publish and versions.
import { mutations, queries } from "./api.js";
import * as canvas from "./canvas.js";
import { emit, on } from "./events.js";
import * as history from "./history.js";
import * as inspector from "./inspector.js";
import * as issues from "./issues.js";
import * as model from "./model.js";
import { useProperties } from "./node_types/index.js";
import * as palette from "./palette.js";
import * as preview from "./preview.js";
import { clear, element } from "./views.js";

const AUTOSAVE_MS = 1200;
let flow = null;
let nodeTypes = [];
let saveTimer = null;
let conflicted = false;
let viewingVersion = null;
let status;
let banner;
let wired = false;

export async function show(root, flowId) {
  clear(root);
  const [loaded, types, properties] = await Promise.all([
    queries.flow(flowId),
    queries.nodeTypes(),
    queries.properties(),
  ]);
  if (!loaded) {
    root.append(element("p", { text: "This flow does not exist (any more)." }));
    return;
  }
  flow = loaded;
  nodeTypes = types;
  conflicted = false;
  viewingVersion = null;
  useProperties(properties);
  root.append(layout());
  palette.init(root.querySelector(".pf-palette"), nodeTypes);
  canvas.init(root.querySelector(".pf-canvas"), nodeTypes);
  inspector.init(root.querySelector(".pf-inspector"), nodeTypes, properties);
  issues.init(root.querySelector(".pf-issues"));
  preview.init(root.querySelector(".pf-preview"));
  if (!wired) wire();
  model.load(flow.draft);
  canvas.showCounts(flow.stats);
  canvas.fit();
  renderVersions();
  setStatus("Saved");
}

function layout() {
  status = element("span", { class: "pf-status", role: "status" });
  banner = element("div", { class: "pf-banner", hidden: true, role: "alert" });
  const toolbar = element(
    "div",
    { class: "pf-toolbar", role: "toolbar", "aria-label": "Editor" },
    element("a", { href: "#/", text: "← Flows" }),
    element("strong", { class: "pf-flow-name", text: flow.name }),
    tool("Undo", history.undo),
    tool("Redo", history.redo),
    tool("Zoom in", () => canvas.zoom(1.2)),
    tool("Zoom out", () => canvas.zoom(1 / 1.2)),
    tool("Fit", canvas.fit),
    tool("Delete selected", deleteSelection),
    tool("Save", () => save()),
    tool("Publish", publish, "pf-primary"),
    element("select", { class: "pf-versions", "aria-label": "Versions" }),
    status,
  );
  return element(
    "div",
    { class: "pf-editor" },
    toolbar,
    banner,
    element(
      "div",
      { class: "pf-panes" },
      element("nav", { class: "pf-palette", "aria-label": "Node palette" }),
      element("section", { class: "pf-canvas", "aria-label": "Canvas", tabindex: "0" }),
      element(
        "aside",
        { class: "pf-side" },
        element("div", { class: "pf-inspector", "aria-label": "Inspector" }),
        element("div", { class: "pf-issues", "aria-label": "Issues" }),
        element("div", { class: "pf-preview", "aria-label": "Preview" }),
      ),
    ),
  );
}

function tool(label, action, className) {
  return element("button", { type: "button", text: label, "aria-label": label, class: className, onClick: action });
}

function wire() {
  wired = true;
  on("document:change", () => {
    if (!flow || model.isReadOnly()) return;
    setStatus("Unsaved changes");
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, AUTOSAVE_MS);
  });
  on("history:change", ({ canUndo, canRedo }) => {
    document.querySelector('[aria-label="Undo"]')?.toggleAttribute("disabled", !canUndo);
    document.querySelector('[aria-label="Redo"]')?.toggleAttribute("disabled", !canRedo);
  });
  on("issues:change", (report) => canvas.mark(report.issues));
  on("issue:select", (nodeId) => canvas.select({ nodeId }));
  on("palette:drop", ({ type, position }) => addNode(type, position));
  document.addEventListener("keydown", shortcut);
}

function addNode(type, position) {
  const described = nodeTypes.find((item) => item.type === type);
  const config = {};
  for (const field of described?.configSchema.fields ?? []) {
    if (field.default !== null && field.default !== undefined) config[field.name] = field.default;
  }
  const count = model.current().nodes.length;
  const id = model.addNode(type, position ?? { x: 80 + count * 40, y: 80 + count * 30 }, config);
  canvas.select({ nodeId: id });
}

function deleteSelection() {
  const selection = canvas.selected();
  if (selection?.nodeId) model.removeNode(selection.nodeId);
  if (selection?.edgeId) model.removeEdge(selection.edgeId);
  canvas.select(null);
}

function shortcut(event) {
  if (!document.querySelector(".pf-editor")) return;
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement?.tagName);
  const key = event.key.toLowerCase();
  if ((event.ctrlKey || event.metaKey) && key === "s") {
    event.preventDefault();
    save();
  } else if ((event.ctrlKey || event.metaKey) && key === "z" && !typing) {
    event.preventDefault();
    event.shiftKey ? history.redo() : history.undo();
  } else if ((event.ctrlKey || event.metaKey) && key === "y" && !typing) {
    event.preventDefault();
    history.redo();
  } else if ((key === "delete" || key === "backspace") && !typing) {
    deleteSelection();
  }
}

export async function save() {
  clearTimeout(saveTimer);
  if (!flow || conflicted || model.isReadOnly()) return;
  setStatus("Saving…");
  try {
    flow = await mutations.saveDraft(flow.id, model.current(), flow.revision);
    setStatus("Saved");
  } catch (error) {
    if (error.code === "CONFLICT") return showConflict();
    setStatus(`Not saved: ${error.message}`);
  }
}

function showConflict() {
  conflicted = true;
  setStatus("Not saved");
  showBanner(
    "This flow was changed in another tab or by someone else; your last changes are not saved.",
    ["Reload the flow", () => show(document.getElementById("pf-app"), flow.id)],
  );
}

async function publish() {
  await save();
  if (conflicted) return;
  try {
    flow = await mutations.publish(flow.id);
    showBanner(`Published version ${flow.published.version}.`);
    renderVersions();
  } catch (error) {
    const count = error.extensions.issues?.length;
    showBanner(count ? `Not published: fix ${count} error(s) first.` : `Not published: ${error.message}`);
    if (error.extensions.issues) canvas.mark(error.extensions.issues);
  }
}

function renderVersions() {
  const select = document.querySelector(".pf-versions");
  clear(select);
  select.append(new Option(viewingVersion ? `Version ${viewingVersion} (read-only)` : "Draft", ""));
  if (viewingVersion) select.append(new Option("Back to the draft", "draft"));
  for (const version of flow.versions) {
    select.append(new Option(`Open version ${version.version}${version.version === flow.published?.version ? " (published)" : ""}`, String(version.version)));
  }
  select.onchange = () => openVersion(select.value);
}

async function openVersion(value) {
  if (!value) return;
  if (value === "draft") {
    viewingVersion = null;
    model.load(flow.draft);
    hideBanner();
    return renderVersions();
  }
  await save();
  const versions = await queries.version(flow.id);
  const chosen = versions.find((version) => String(version.version) === value);
  viewingVersion = chosen.version;
  model.load(chosen.graph, { locked: true });
  showBanner(`Viewing version ${chosen.version}, read-only.`, [
    "Restore into the draft",
    async () => {
      flow = await mutations.restore(flow.id, chosen.version);
      viewingVersion = null;
      model.load(flow.draft);
      showBanner(`Version ${chosen.version} restored into the draft.`);
      renderVersions();
    },
  ]);
  renderVersions();
}

function showBanner(text, action) {
  clear(banner);
  banner.hidden = false;
  banner.append(element("span", { text }));
  if (action) banner.append(element("button", { type: "button", text: action[0], onClick: action[1] }));
}

function hideBanner() {
  banner.hidden = true;
}

function setStatus(text) {
  if (status) status.textContent = text;
  emit("save:status", text);
}
