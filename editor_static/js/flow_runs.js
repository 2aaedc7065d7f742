// The editor's Runs tab: the flow's latest runs (a run waiting on a timer with the time it goes
// on, and a Cancel button on every waiting run) and its webhook deliveries with their last
// status, response code and attempts. Read when the tab is shown and on Refresh.
import { runs } from "./api.js";
import { contactName } from "./contact_activity.js";
import { element, fill } from "./views.js";
import * as notice from "./notice.js";

let root = null;
let flowId = null;
let reads = 0;

export function init(container, id) {
  root = container;
  flowId = id;
  fill(root, element("p", { class: "pf-muted", text: "Loading runs…" }));
  return () => {
    root = null;
    reads++;
  };
}

// The Runs tab was shown or hidden: it is read again each time it is shown.
export function setShown(visible) {
  if (visible && root) load();
}

async function load() {
  const ticket = ++reads;
  const data = await runs.ofFlow(flowId).catch((error) => {
    notice.failure(error);
    return null;
  });
  if (!data || ticket !== reads || !root) return;
  fill(
    root,
    element("div", { class: "pf-runs-head" }, element("h3", { text: "Runs" }), element("button", { type: "button", text: "Refresh", onClick: load })),
    data.flowRuns.length
      ? element("ol", { class: "pf-runs", "aria-label": "Runs" }, ...data.flowRuns.map((run) => runRow(run, { show: "contact" })))
      : element("p", { class: "pf-muted", text: "No runs yet." }),
    element("h3", { text: "Webhook deliveries" }),
    data.webhookDeliveries.length
      ? deliveryTable(data.webhookDeliveries)
      : element("p", { class: "pf-muted", text: "No webhook calls yet." }),
  );
}

// One run: whose (or which flow's, on the contact page), its status, when a timer lets it go
// on, and Cancel while it waits. A cancelled run's row is replaced by what the server returns.
export function runRow(run, { show }) {
  const cancel = async (event) => {
    event.target.disabled = true;
    try {
      const cancelled = await runs.cancel(run.id);
      row.replaceWith(runRow(cancelled, { show }));
    } catch (error) {
      event.target.disabled = false;
      notice.failure(error);
    }
  };
  const row = element(
    "li",
    { "data-run-id": run.id, "data-status": run.status },
    show === "contact"
      ? element("a", { class: "pf-activity-what", href: `#/contacts/${run.contact.id}`, text: contactName(run.contact) })
      : element("a", { class: "pf-activity-what", href: `#/flows/${run.flow.id}`, text: `${run.flow.name} v${run.version}` }),
    element("span", { class: "pf-run-status", text: run.status }),
    run.resumeAt
      ? element("span", { class: "pf-run-resume" }, "resumes ", element("time", { datetime: run.resumeAt, text: new Date(run.resumeAt).toLocaleString() }))
      : element("time", { datetime: run.startedAt, text: new Date(run.startedAt).toLocaleString() }),
    run.status === "waiting" ? element("button", { type: "button", text: "Cancel", "aria-label": `Cancel run ${run.id}`, onClick: cancel }) : null,
  );
  return row;
}

function deliveryTable(deliveries) {
  const cell = (text) => element("td", { text: text === null || text === undefined ? "—" : String(text) });
  return element(
    "table",
    { class: "pf-table pf-deliveries", "aria-label": "Webhook deliveries" },
    element("thead", {}, element("tr", {}, ...["Node", "Status", "Response", "Attempts", "Last error", "Updated"].map((text) => element("th", { text })))),
    element(
      "tbody",
      {},
      ...deliveries.map((delivery) =>
        element(
          "tr",
          { "data-status": delivery.status, title: delivery.url },
          cell(delivery.nodeId),
          cell(delivery.status),
          cell(delivery.lastStatusCode),
          cell(delivery.attempts),
          cell(delivery.lastError),
          element("td", {}, element("time", { datetime: delivery.updatedAt, text: new Date(delivery.updatedAt).toLocaleString() })),
        ),
      ),
    ),
  );
}
