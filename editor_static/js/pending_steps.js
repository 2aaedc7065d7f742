// The contact page's pending steps: the contact's runs waiting on a timer, soonest first, each
// with the time it goes on and a Cancel button. Read with the rest of the contact's activity.
import { runs } from "./api.js";
import { runRow } from "./flow_runs.js";
import { element, fill } from "./views.js";
import * as notice from "./notice.js";

// {element, refresh()} for the contact `contactId`.
export function pendingSteps(contactId) {
  const list = element("div", { class: "pf-pending" });
  async function refresh() {
    const pending = await runs.pendingOf(contactId).catch((error) => {
      notice.failure(error);
      return null;
    });
    if (!pending) return;
    fill(
      list,
      pending.length
        ? element("ol", { class: "pf-activity pf-runs", "aria-label": "Pending steps" }, ...pending.map((run) => runRow(run, { show: "flow" })))
        : element("p", { class: "pf-muted", text: "Nothing pending." }),
    );
  }
  return { element: list, refresh };
}
