// The issues panel: `validateFlow` on the current document a moment after each edit; every
// issue of the answer is listed, and activating one selects the node or wire it concerns. Only
// the answer to the latest request is shown, whatever order the answers arrive in.
import { queries } from "./api.js";
import { element } from "./views.js";
import { emit, subscribe } from "./events.js";
import * as model from "./model.js";

const DELAY_MS = 350;
let root;
let timer = null;
let asked = 0;
let latest = { valid: true, issues: [] };

export function init(container) {
  root = container;
  latest = { valid: true, issues: [] };
  render("Checking…");
  const stop = subscribe({ "document:load": schedule, "document:change": schedule });
  return () => {
    clearTimeout(timer);
    stop();
  };
}

export function errors() {
  return latest.issues.filter((issue) => issue.severity === "error");
}

function schedule() {
  root.dataset.state = "checking";
  clearTimeout(timer);
  timer = setTimeout(check, DELAY_MS);
}

async function check() {
  const ticket = ++asked;
  let report;
  try {
    report = await queries.validate(model.current());
  } catch (error) {
    report = { valid: false, issues: [{ code: error.code, severity: "error", message: error.message }] };
  }
  if (ticket !== asked) return;
  latest = report;
  render();
  emit("issues:change", latest);
}

function render(state) {
  const errorCount = errors().length;
  const warningCount = latest.issues.length - errorCount;
  const heading = state ?? (latest.issues.length ? `${plural(errorCount, "error")} · ${plural(warningCount, "warning")}` : "No issues");
  root.dataset.state = state ? "checking" : errorCount ? "error" : warningCount ? "warning" : "ok";
  root.replaceChildren(
    element("h3", { text: heading }),
    element(
      "ul",
      {},
      ...latest.issues.map((issue) =>
        element(
          "li",
          {},
          element("button", {
            type: "button",
            class: "pf-issue",
            "data-severity": issue.severity,
            "data-code": issue.code,
            "data-node-id": issue.nodeId,
            "data-edge-id": issue.edgeId,
            text: issue.message,
            title: issue.nodeId || issue.edgeId ? "Show it on the canvas" : null,
            onClick: () => emit("issue:select", { nodeId: issue.nodeId, edgeId: issue.edgeId }),
          }),
        ),
      ),
    ),
  );
}

function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
