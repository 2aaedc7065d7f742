// Who a contact is and what they did: the pages viewed (newest first, with times) and the flows
// run for them. The Inbox (its lists, its Visitor details panel) and the contact page share these.
import { element } from "./views.js";

// The name (when the contact comes with its properties), else the email, else "Visitor" and
// the start of the visitor id.
export function contactName(contact) {
  const name = contact?.properties?.find((value) => value.key === "name")?.value;
  if (name) return String(name);
  if (contact?.email) return contact.email;
  return contact?.visitorId ? `Visitor ${contact.visitorId.slice(0, 6)}` : "Anonymous visitor";
}

export function pageViewList(pageViews) {
  if (!pageViews.length) return element("p", { class: "pf-muted", text: "No pages viewed yet." });
  return element(
    "ol",
    { class: "pf-activity", "aria-label": "Pages viewed" },
    ...pageViews.map((view) =>
      element(
        "li",
        {},
        element("span", { class: "pf-activity-what", title: view.url, text: pathOf(view.url) }),
        element("time", { datetime: view.at, text: new Date(view.at).toLocaleString() }),
      ),
    ),
  );
}

export function flowRunList(flowRuns) {
  if (!flowRuns.length) return element("p", { class: "pf-muted", text: "No flows run yet." });
  return element(
    "ol",
    { class: "pf-activity", "aria-label": "Flows run" },
    ...flowRuns.map((run) =>
      element(
        "li",
        { "data-status": run.status },
        element("a", { class: "pf-activity-what", href: `#/flows/${run.flow.id}`, text: `${run.flow.name} v${run.version}` }),
        element("span", { class: "pf-muted", text: run.status }),
        element("time", { datetime: run.startedAt, text: new Date(run.startedAt).toLocaleString() }),
      ),
    ),
  );
}

// A page of the site as its path (the host is the same for all of them); other text as it is.
export function pathOf(url) {
  try {
    const parsed = new URL(url, location.origin);
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return url;
  }
}
