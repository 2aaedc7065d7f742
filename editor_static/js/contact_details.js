// One contact: every property editable in place (hidden ones under a toggle), +/- on numbers,
// and the change history, newest first; both follow the contact's live changes.
import { contacts, queries } from "./api.js";
import { formatValue, readInput, valueInput, writeInput } from "./values.js";
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
  );
  root.replaceChildren(view.section);
  render(view, contact);
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

// A labelled input that saves when changed (Enter leaves the field, which saves it).
function fieldOf(view, property) {
  const label = property.label;
  const input = valueInput(property, null, { "aria-label": label, id: `pf-field-${property.key}` });
  const error = element("span", { class: "pf-field-error", role: "alert" });
  const save = (change) => async () => {
    try {
      const contact = await change();
      error.textContent = "";
      delete field.dataset.invalid;
      render(view, contact);
      await refresh(view);
    } catch (failure) {
      error.textContent = failure.message;
      field.dataset.invalid = "true";
    }
  };
  input.addEventListener("change", save(() => contacts.setValue(view.id, property.key, readInput(property, input))));
  input.addEventListener("keydown", (event) => event.key === "Enter" && input.blur());
  const step = (by, text, name) =>
    element("button", { type: "button", class: "pf-icon-button", text, "aria-label": `${name} ${label}`, onClick: save(() => contacts.increment(view.id, property.key, by)) });
  const field = element(
    "div",
    { class: "pf-contact-field", "data-key": property.key, "data-type": property.type },
    element("label", { for: input.id, text: label }),
    element("div", { class: "pf-row" }, input, property.type === "NUMBER" ? step(-1, "−", "Decrease") : null, property.type === "NUMBER" ? step(1, "+", "Increase") : null),
    error,
  );
  view.fields.set(property.key, { property, input, field });
  return field;
}

async function refresh(view) {
  const ticket = ++view.refreshes;
  try {
    const contact = await contacts.get(view.id);
    if (ticket === view.refreshes && contact) render(view, contact);
  } catch (error) {
    notice.failure(error);
  }
}

// Shows the contact's values (not in a field being edited or holding a refused value) and,
// when given, its history.
function render(view, contact) {
  view.title.textContent = contact.email || "Anonymous visitor";
  view.meta.textContent = [
    contact.visitorId ? `Visitor ${contact.visitorId}` : null,
    `created ${new Date(contact.createdAt).toLocaleString()}`,
  ].filter(Boolean).join(" · ");
  const values = new Map(contact.properties.map((value) => [value.key, value.value]));
  for (const [key, { input, field }] of view.fields) {
    const editing = input === document.activeElement || field.dataset.invalid;
    if (!editing) writeInput(input, values.get(key));
  }
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
