// The banner under the top bar: one message at a time, with optional action buttons.
// `tone` is "info" (default), "success" or "error"; errors are announced as alerts.
import { element } from "./views.js";

const banner = document.getElementById("pf-banner");

export function show(text, { tone = "info", actions = [] } = {}) {
  banner.dataset.tone = tone;
  banner.setAttribute("role", tone === "error" ? "alert" : "status");
  banner.replaceChildren(
    element("span", { class: "pf-banner-text", text }),
    ...actions.map(([label, action]) => element("button", { type: "button", text: label, onClick: action })),
    element("button", { type: "button", class: "pf-icon-button pf-banner-close", text: "✕", "aria-label": "Dismiss", onClick: hide }),
  );
  banner.hidden = false;
}

export function failure(error) {
  show(error.message, { tone: "error" });
}

export function hide() {
  banner.hidden = true;
  banner.replaceChildren();
}
