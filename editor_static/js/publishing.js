// The published side of a flow: publish the draft (refused while it has errors), turn the flow
// on and off, list the versions, open one read-only and restore it into the draft. It tells the
// canvas which run counts to show: those of the published version, on it or on the draft.
import { mutations, queries } from "./api.js";
import * as autosave from "./autosave.js";
import { element, fill } from "./views.js";
import { emit } from "./events.js";
import * as model from "./model.js";
import * as notice from "./notice.js";
import { comparison } from "./version_diff.js";

let flow;
let panel;
let toggle;
let viewing = null;
let showNode = () => {};

// `show(nodeId)` selects and centres a node (a compared node listed in the panel).
export function init(record, { versionsPanel, enabledToggle, show }) {
  flow = record;
  showNode = show;
  panel = versionsPanel;
  toggle = enabledToggle;
  viewing = null;
  toggle.addEventListener("change", () => setEnabled(toggle.checked));
  render();
}

export async function publish() {
  if (viewing) return;
  await autosave.save();
  if (autosave.hasUnsavedChanges()) return;
  try {
    flow = await mutations.publish(flow.id);
    notice.show(`Published version ${flow.published.version}.`, { tone: "success" });
    render();
  } catch (error) {
    if (error.code !== "VALIDATION_FAILED" || !error.extensions.issues) return notice.failure(error);
    const errors = error.extensions.issues.filter((issue) => issue.severity === "error");
    notice.show(`Not published: ${errors.length} error(s) to fix first, listed under Issues.`, { tone: "error" });
    emit("issues:change", { valid: false, issues: error.extensions.issues });
  }
}

async function setEnabled(enabled) {
  try {
    flow = { ...flow, ...(await mutations.setEnabled(flow.id, enabled)) };
    notice.show(enabled ? "The flow is on: new page visits start it." : "The flow is off.", { tone: "success" });
  } catch (error) {
    notice.failure(error);
  }
  render();
}

async function open(version) {
  try {
    await autosave.save();
    const graph = await queries.versionGraph(flow.id, version);
    viewing = version;
    model.load(graph, { locked: true });
    notice.show(`Viewing version ${version}, read-only.`, {
      actions: [
        ["Restore into the draft", () => restore(version)],
        ["Back to the draft", backToDraft],
      ],
    });
  } catch (error) {
    notice.failure(error);
  }
  render();
}

async function restore(version) {
  try {
    flow = await mutations.restore(flow.id, version);
    viewing = null;
    emit("flow:restore", flow);
    notice.show(`Version ${version} restored into the draft.`, { tone: "success" });
  } catch (error) {
    notice.failure(error);
  }
  render();
}

async function backToDraft() {
  try {
    const latest = await queries.draft(flow.id);
    viewing = null;
    emit("flow:restore", { ...flow, ...latest });
    notice.hide();
  } catch (error) {
    notice.failure(error);
  }
  render();
}

function render() {
  const published = flow.published?.version;
  // A new flow is created enabled, but nothing runs before the first publish: it shows as off.
  toggle.checked = flow.enabled && Boolean(published);
  toggle.disabled = !published;
  toggle.title = published ? "" : "Publish the flow before turning it on";
  emit("stats:change", viewing === null || viewing === published ? flow.stats : []);
  const rows = [...flow.versions].reverse().map((item) =>
    element(
      "li",
      { class: "pf-version", "data-version": item.version, "data-viewing": viewing === item.version ? "true" : null },
      element("strong", { text: `Version ${item.version}` }),
      item.version === published ? element("span", { class: "pf-badge", text: "published" }) : null,
      element("span", {
        class: "pf-muted",
        text: `${new Date(item.publishedAt).toLocaleString()}${item.publishedBy ? ` · ${item.publishedBy.email}` : ""}`,
      }),
      element("button", {
        type: "button",
        text: viewing === item.version ? "Viewing" : "Open",
        disabled: viewing === item.version,
        "aria-label": `Open version ${item.version}`,
        onClick: () => open(item.version),
      }),
    ),
  );
  fill(
    panel,
    element("h3", { text: "Versions" }),
    rows.length
      ? element("ol", { class: "pf-versions" }, ...rows)
      : element("p", { class: "pf-muted", text: "Not published yet. Publish freezes the draft as version 1." }),
    comparison(flow, { show: showNode }),
  );
}
