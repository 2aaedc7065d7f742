// One contact: every property editable in place (hidden ones under a toggle), +/- on numbers,
// and the change history, newest first; both follow the contact's live changes. Below: the
// contact's conversation (the Inbox's transcript), the pages viewed, the pending steps and the
// flows run.
import { contacts, inbox, queries } from "./api.js";
import { flowRunList, pageViewList } from "./contact_activity.js";
import { pendingSteps } from "./pending_steps.js";
import { propertyField } from "./property_field.js";
import { transcript } from "./transcript.js";
import { formatValue } from "./values.js";
import { element, fill } from "./views.js";
import * as notice from "./notice.js";

let live = null;
// The page being shown; a show() that was left (close()) while it waited stops there.
let session = null;

export async function show(root, id) {
  const mine = (session = {});
  const [properties, contact] = await Promise.all([queries.properties(), contacts.get(id)]);
  if (session !== mine) return;
  if (!contact) {
    root.replaceChildren(element("p", { class: "pf-page pf-error", role: "alert", text: `There is no contact with id ${id}.` }));
    return;
  }
  const view = {
    id,
    fields: new Map(),
    refreshes: 0,
    section: element("section", { class: "pf-page pf-contact", "data-state": "loading", "data-live": "off" }),
    title: element("h1"),
    meta: element("p", { class: "pf-muted" }),
    history: element("ol", { class: "pf-history", "aria-label": "History" }),
    transcript: transcript({ label: "Conversation" }),
    conversationLink: element("p"),
    pages: element("div"),
    runs: element("div"),
    pending: pendingSteps(id),
  };
  const field = (property) => fieldOf(view, property);
  const hidden = properties.filter((property) => property.hidden);
  fill(
    view.section,
    element("a", { href: "#/contacts", text: "← Contacts" }),
    view.title,
    view.meta,
    element(
      "div",
      { class: "pf-contact-columns" },
      element(
        "div",
        { class: "pf-contact-properties" },
        element("h2", { text: "Properties" }),
        ...properties.filter((property) => !property.hidden).map(field),
        hidden.length
          ? element("details", {}, element("summary", { text: `Hidden properties (${hidden.length})` }), ...hidden.map(field))
          : null,
      ),
      element("div", { class: "pf-contact-history" }, element("h2", { text: "History" }), view.history),
    ),
    element(
      "div",
      { class: "pf-contact-columns pf-contact-activity" },
      element("div", { class: "pf-contact-conversation" }, element("h2", { text: "Conversation" }), view.conversationLink, view.transcript.element),
      element("div", { class: "pf-contact-pages" }, element("h2", { text: "Pages viewed" }), view.pages, element("h2", { text: "Pending steps" }), view.pending.element, element("h2", { text: "Flows run" }), view.runs),
    ),
  );
  root.replaceChildren(view.section);
  render(view, contact);
  await showActivity(view);
  if (session !== mine) return;
  view.section.dataset.state = "ready";
  live = contacts.watch(id, {
    next: (change) => (change.deleted ? (location.hash = "#/contacts") : refresh(view)),
    state: (state) => (view.section.dataset.live = state),
    // After a broker outage some changes may be missing: the contact is read again.
    error: (error) => (error.code === "EVENTS_MISSED" ? refresh(view) : notice.failure(error)),
  });
}

export async function close() {
  session = null;
  live?.close();
  live = null;
}

function fieldOf(view, property) {
  const field = propertyField(view.id, property, {
    saved: async (contact) => {
      render(view, contact);
      await refresh(view);
    },
  });
  view.fields.set(property.key, { property, ...field });
  return field.element;
}

async function refresh(view) {
  const ticket = ++view.refreshes;
  try {
    const contact = await contacts.get(view.id);
    if (ticket === view.refreshes && contact) render(view, contact);
    if (ticket === view.refreshes) await showActivity(view);
  } catch (error) {
    notice.failure(error);
  }
}

// The conversation, pages viewed and flows run, read again with the contact.
async function showActivity(view) {
  const activity = await inbox.activity(view.id).catch((error) => {
    notice.failure(error);
    return null;
  });
  if (!activity) return;
  const conversation = activity.conversation && (await inbox.conversation(activity.conversation.id).catch(notice.failure));
  view.transcript.show(conversation ? conversation.messages.edges.map((edge) => edge.node) : []);
  fill(
    view.conversationLink,
    conversation
      ? element("a", { href: `#/inbox?conversation=${encodeURIComponent(conversation.id)}`, text: `Open in the Inbox (${conversation.status.toLowerCase()})` })
      : null,
  );
  fill(view.pages, pageViewList(activity.pageViews));
  fill(view.runs, flowRunList(activity.flowRuns));
  await view.pending.refresh();
}

// Shows the contact's values (not in a field being edited) and,
// when given, its history.
function render(view, contact) {
  view.title.textContent = contact.email || "Anonymous visitor";
  view.meta.textContent = [
    contact.visitorId ? `Visitor ${contact.visitorId}` : null,
    `created ${new Date(contact.createdAt).toLocaleString()}`,
  ].filter(Boolean).join(" · ");
  const values = new Map(contact.properties.map((value) => [value.key, value.value]));
  for (const [key, { write }] of view.fields) write(values.get(key));
  if (contact.history) fill(view.history, ...contact.history.map((change) => historyRow(view, change)));
}

function historyRow(view, change) {
  const label = view.fields.get(change.key)?.property.label ?? change.key;
  const show = (value) => (value === null || value === undefined ? "—" : formatValue(value));
  return element(
    "li",
    { class: "pf-history-row", "data-key": change.key, "data-source": change.source },
    element("strong", { text: label }),
    element("span", { class: "pf-history-values", text: `${show(change.oldValue)} → ${show(change.newValue)}` }),
    element("span", { class: "pf-history-who", text: author(change) }),
    element("time", { datetime: change.at, text: new Date(change.at).toLocaleString() }),
  );
}

// Who or what made a change: the operator, the flow (name, version, node), a visitor, an import.
function author(change) {
  const flow = change.flowId
    ? `${change.flowName ? `flow “${change.flowName}”` : `deleted flow #${change.flowId}`} v${change.flowVersion}, node ${change.nodeId}`
    : null;
  switch (change.source) {
    case "OPERATOR":
      return change.operator?.email ?? "an operator";
    case "FLOW":
      return flow ?? "a flow";
    case "VISITOR":
      return flow ? `visitor's answer in ${flow}` : "the visitor";
    case "IMPORT":
      return "CSV import";
    default:
      return "API";
  }
}
