// The Inbox's Visitor details panel: who the visitor is, every visible property that has a value
// (each editable in place, property_field.js), an "Add property" picker of the properties without
// one, "Create a new property" inline, the last pages viewed and the flows run. It follows the
// contact's live changes.
import { contacts, inbox, queries, settings } from "./api.js";
import { contactName, flowRunList, pageViewList } from "./contact_activity.js";
import { propertyField } from "./property_field.js";
import * as propertyTypes from "./property_types.js";
import { element, fill } from "./views.js";
import * as notice from "./notice.js";

// `changed(contact)` runs whenever the contact is read again (its name or email may be new).
// Returns {element, show(contactId), refreshActivity(), close()}.
export function visitorDetails({ changed }) {
  const view = {
    changed,
    contactId: null,
    properties: [],
    fields: new Map(),
    loads: 0,
    live: null,
    element: element("aside", { class: "pf-visitor-details", "aria-label": "Visitor details", "data-state": "empty" }),
    who: element("div", { class: "pf-visitor-who" }),
    list: element("div", { class: "pf-visitor-fields" }),
    adder: element("div", { class: "pf-visitor-add" }),
    creator: element("div"),
    pages: element("div"),
    runs: element("div"),
  };
  fill(
    view.element,
    element("h2", { text: "Visitor details" }),
    view.who,
    view.list,
    view.adder,
    view.creator,
    element("h3", { text: "Pages viewed" }),
    view.pages,
    element("h3", { text: "Flows run" }),
    view.runs,
  );
  return {
    element: view.element,
    show: (contactId) => show(view, contactId),
    refreshActivity: () => showActivity(view),
    close: () => stopWatching(view),
  };
}

async function show(view, contactId) {
  if (view.contactId === contactId) return;
  stopWatching(view);
  view.contactId = contactId;
  view.fields.clear();
  fill(view.list);
  fill(view.creator);
  view.element.dataset.state = "loading";
  const ticket = ++view.loads;
  try {
    const [properties] = await Promise.all([queries.properties(), propertyTypes.load()]);
    if (ticket !== view.loads) return;
    view.properties = properties.filter((property) => !property.hidden);
    await refresh(view);
    if (ticket !== view.loads) return;
    view.element.dataset.state = "ready";
  } catch (error) {
    notice.failure(error);
  }
  view.live = contacts.watch(contactId, {
    next: (change) => change.deleted || refresh(view),
    // After a broker outage some changes may be missing: the contact is read again.
    error: (error) => (error.code === "EVENTS_MISSED" ? refresh(view) : notice.failure(error)),
  });
}

function stopWatching(view) {
  view.live?.close();
  view.live = null;
  view.contactId = null;
  view.loads += 1;
}

async function refresh(view) {
  const ticket = view.loads;
  const [contact] = await Promise.all([contacts.get(view.contactId), showActivity(view)]);
  if (ticket !== view.loads || !contact) return;
  render(view, contact);
}

// Adds a field for each property that got a value, writes every field's value, and offers the
// properties still without a value in the picker.
function render(view, contact) {
  const values = new Map(contact.properties.map((value) => [value.key, value.value]));
  fill(
    view.who,
    element("strong", { class: "pf-visitor-name", text: contactName(contact) }),
    element("span", { class: "pf-muted pf-visitor-email", text: contact.email || "no email yet" }),
    element("a", { href: `#/contacts/${contact.id}`, text: "Contact page" }),
  );
  for (const property of view.properties) {
    if (values.has(property.key) && !view.fields.has(property.key)) addField(view, property);
  }
  for (const [key, { write }] of view.fields) write(values.get(key));
  renderAdder(view);
  view.changed(contact);
}

function addField(view, property) {
  const field = propertyField(view.contactId, property, { saved: (contact) => render(view, contact) });
  view.fields.set(property.key, field);
  view.list.append(field.element);
  return field;
}

function renderAdder(view) {
  const missing = view.properties.filter((property) => !view.fields.has(property.key));
  const picker = element(
    "select",
    { "aria-label": "Add property" },
    new Option("Add property…", ""),
    ...missing.map((property) => new Option(property.label, property.key)),
  );
  picker.addEventListener("change", () => {
    const property = view.properties.find((item) => item.key === picker.value);
    if (!property) return;
    addField(view, property).input.focus();
    renderAdder(view);
  });
  const create = element("button", { type: "button", text: "Create a new property", onClick: () => fill(view.creator, creator(view)) });
  fill(view.adder, picker, create);
}

// Label and type (and the options of a SELECT), then the new property's field, focused for its value.
function creator(view) {
  const label = element("input", { type: "text", "aria-label": "New property label", placeholder: "Label", maxlength: 100 });
  const type = element("select", { "aria-label": "New property type" }, ...propertyTypes.all().map((item) => new Option(item.label, item.type)));
  const options = element("input", { type: "text", "aria-label": "New property options", placeholder: "Options: a, b, c", hidden: true });
  const error = element("span", { class: "pf-field-error", role: "alert" });
  type.addEventListener("change", () => (options.hidden = type.value !== "SELECT"));
  const form = element(
    "form",
    { class: "pf-visitor-create", "aria-label": "Create a new property" },
    label,
    type,
    options,
    element("div", { class: "pf-row" },
      element("button", { type: "submit", class: "pf-primary", text: "Create" }),
      element("button", { type: "button", text: "Cancel", onClick: () => fill(view.creator) }),
    ),
    error,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const property = await settings.create({
        label: label.value,
        type: type.value,
        options: type.value === "SELECT" ? options.value.split(",").map((item) => item.trim()).filter(Boolean) : null,
      });
      view.properties.push(property);
      const field = addField(view, property);
      fill(view.creator);
      renderAdder(view);
      field.input.focus();
    } catch (failure) {
      error.textContent = failure.message;
    }
  });
  queueMicrotask(() => label.focus());
  return form;
}

async function showActivity(view) {
  const ticket = view.loads;
  const activity = await inbox.activity(view.contactId);
  if (ticket !== view.loads || !activity) return;
  fill(view.pages, pageViewList(activity.pageViews));
  fill(view.runs, flowRunList(activity.flowRuns));
}
