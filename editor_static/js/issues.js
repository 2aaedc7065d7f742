// The validation panel: the server's `validateFlow` issues for the current draft, re-checked a
// moment after each edit; clicking an issue selects its node.
import { emit, on } from "./events.js";
import { queries } from "./api.js";
import * as model from "./model.js";

const DELAY_MS = 400;
let root;
let timer = null;
let latest = { valid: true, issues: [] };

export function init(element) {
  root = element;
  for (const name of ["document:load", "document:change"]) on(name, schedule);
}

export function report() {
  return latest;
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(check, DELAY_MS);
}

async function check() {
  try {
    latest = await queries.validate(model.current());
  } catch (error) {
    latest = { valid: false, issues: [{ code: error.code, severity: "error", message: error.message }] };
  }
  render();
  emit("issues:change", latest);
}

function render() {
  root.innerHTML = "";
  const title = document.createElement("h3");
  const errors = latest.issues.filter((issue) => issue.severity === "error").length;
  title.textContent = latest.issues.length ? `Issues (${errors} errors)` : "No issues";
  root.append(title);
  const list = document.createElement("ul");
  for (const issue of latest.issues) {
    const entry = document.createElement("li");
    entry.className = "pf-issue";
    entry.dataset.severity = issue.severity;
    entry.dataset.code = issue.code;
    if (issue.nodeId) entry.dataset.nodeId = issue.nodeId;
    entry.textContent = issue.message;
    entry.tabIndex = 0;
    entry.addEventListener("click", () => issue.nodeId && emit("issue:select", issue.nodeId));
    list.append(entry);
  }
  root.append(list);
}
