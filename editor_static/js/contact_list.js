// Contacts: a table of chosen property columns with filters, sorting, cursor paging, CSV export
// and import, and rows that change in place when a flow, a visitor or an operator changes them.
// The first column names the contact (name, else email, else "Anonymous visitor") and links to
// it, whichever columns are chosen; the last two are when the contact was created and when it
// last viewed a page (Last seen), both sortable.
import { contacts, queries } from "./api.js";
import { chosenColumns, columnPicker } from "./contact_columns.js";
import { filterBar } from "./contact_filters.js";
import { importPanel } from "./contact_import.js";
import { formatValue } from "./values.js";
import { element, fill } from "./views.js";
import * as notice from "./notice.js";
import * as propertyTypes from "./property_types.js";

const CREATED = "createdAt";
const LAST_SEEN = "lastSeenAt";
const SEARCH_DELAY_MS = 300;
let live = null;
// The page being shown; a show() that was left (close()) while it waited stops there.
let session = null;

// `params`: the hash query; `filter` holds a JSON list of {key, op, value}.
export async function show(root, params = new URLSearchParams()) {
  const mine = (session = {});
  const [properties] = await Promise.all([queries.properties(), propertyTypes.load()]);
  if (session !== mine) return;
  const view = {
    properties,
    columns: chosenColumns(properties),
    filters: parseFilters(params.get("filter")),
    sort: [],
    includeAnonymous: false,
    search: "",
    contacts: [],
    cursor: null,
    hasNext: false,
    total: 0,
    loads: 0,
    pages: 0,
    recheck: null,
    section: element("section", { class: "pf-page pf-contacts", "data-state": "loading", "data-live": "off" }),
    totalLabel: element("span", { class: "pf-contacts-total pf-muted", "aria-live": "polite" }),
    filterSlot: element("div"),
    table: element("table", { class: "pf-table pf-contacts-table", "aria-label": "Contacts" }),
    more: element("button", { type: "button", text: "Load more", hidden: true }),
  };
  view.more.addEventListener("click", () => load(view, { more: true }));
  const anonymous = element("input", { type: "checkbox", "aria-label": "Include anonymous visitors" });
  anonymous.addEventListener("change", () => {
    view.includeAnonymous = anonymous.checked;
    load(view);
  });
  const search = element("input", { type: "search", "aria-label": "Search contacts", placeholder: "Search email or name" });
  let typing = null;
  search.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      view.search = search.value.trim();
      load(view);
    }, SEARCH_DELAY_MS);
  });
  const importer = importPanel(properties, () => load(view));
  fill(
    view.section,
    element("header", { class: "pf-contacts-head" }, element("h1", { text: "Contacts" }), view.totalLabel),
    element(
      "div",
      { class: "pf-contacts-toolbar" },
      search,
      columnPicker(properties, view.columns, (keys) => {
        view.columns = keys;
        renderTable(view);
      }),
      element("label", {}, anonymous, " Include anonymous visitors"),
      element("button", { type: "button", text: "Export CSV", onClick: () => exportCsv(view) }),
      element("button", { type: "button", text: "Import CSV", onClick: () => importer.toggle() }),
    ),
    importer.element,
    view.filterSlot,
    view.table,
    view.more,
  );
  root.replaceChildren(view.section);
  renderFilters(view);
  await load(view);
  if (session !== mine) return;
  live = contacts.watch(null, {
    next: (change) => applyChange(view, change),
    state: (state) => (view.section.dataset.live = state),
    // After a broker outage some changes may be missing: the list is read again.
    error: (error) => (error.code === "EVENTS_MISSED" ? load(view) : notice.failure(error)),
  });
}

export async function close() {
  session = null;
  live?.close();
  live = null;
}

async function load(view, { more = false } = {}) {
  const ticket = ++view.loads;
  view.section.dataset.state = "loading";
  try {
    const page = await contacts.list({
      after: more ? view.cursor : null,
      filter: view.filters,
      sort: view.sort,
      includeAnonymous: view.includeAnonymous,
      search: view.search || null,
    });
    if (ticket !== view.loads) return;
    const found = page.edges.map((edge) => edge.node);
    view.contacts = more ? [...view.contacts, ...found] : found;
    view.pages = more ? view.pages + 1 : 1;
    view.cursor = page.pageInfo.endCursor;
    view.hasNext = page.pageInfo.hasNextPage;
    view.total = page.totalCount;
  } catch (error) {
    notice.failure(error);
  }
  if (ticket !== view.loads) return;
  renderTable(view);
  view.section.dataset.state = "ready";
}

function renderFilters(view) {
  fill(
    view.filterSlot,
    filterBar(view.properties, view.filters, (filters) => {
      view.filters = filters;
      const query = filters.length ? `?filter=${encodeURIComponent(JSON.stringify(filters))}` : "";
      history.replaceState(null, "", `#/contacts${query}`);
      renderFilters(view);
      load(view);
    }),
  );
}

function renderTable(view) {
  const labels = new Map(view.properties.map((property) => [property.key, property.label]));
  labels.set(CREATED, "Created");
  labels.set(LAST_SEEN, "Last seen");
  const [sorted] = view.sort;
  const sortable = [...view.columns, CREATED, LAST_SEEN].map((key) => {
    const direction = sorted?.key === key ? sorted.direction : null;
    const sortBy = () => {
      view.sort = [{ key, direction: direction === "ASC" ? "DESC" : "ASC" }];
      load(view);
    };
    return element(
      "th",
      { "aria-sort": direction ? (direction === "ASC" ? "ascending" : "descending") : null },
      element("button", { type: "button", class: "pf-sort", text: labels.get(key), "aria-label": `Sort by ${labels.get(key)}`, onClick: sortBy }),
    );
  });
  const body = view.contacts.length
    ? view.contacts.map((contact) => row(view, contact))
    : [element("tr", {}, element("td", { colspan: view.columns.length + 3, class: "pf-muted", text: "No contacts match." }))];
  const header = [element("th", { text: "Contact" }), ...sortable];
  fill(view.table, element("thead", {}, element("tr", {}, ...header)), element("tbody", {}, ...body));
  view.totalLabel.textContent = `${view.total} contact${view.total === 1 ? "" : "s"}`;
  view.more.hidden = !view.hasNext;
}

// The first cell names the contact and links to its details.
function row(view, contact) {
  const values = new Map(contact.properties.map((value) => [value.key, value.value]));
  const name = formatValue(values.get("name")) || contact.email || (contact.visitorId ? `Anonymous visitor ${contact.visitorId}` : "Anonymous visitor");
  const cells = view.columns.map((key) => element("td", { "data-key": key, text: formatValue(values.get(key)) }));
  return element(
    "tr",
    { "data-contact-id": contact.id },
    element("td", { "data-key": "contact" }, element("a", { href: `#/contacts/${contact.id}`, text: name })),
    ...cells,
    element("td", { "data-key": CREATED, text: new Date(contact.createdAt).toLocaleString() }),
    element("td", { "data-key": LAST_SEEN, text: contact.lastSeenAt ? new Date(contact.lastSeenAt).toLocaleString() : "Never" }),
  );
}

// A live change: the row shows the new values and flashes; a deleted contact leaves the table.
function applyChange(view, change) {
  const index = view.contacts.findIndex((contact) => contact.id === change.contact.id);
  const shown = view.table.querySelector(`tr[data-contact-id="${CSS.escape(change.contact.id)}"]`);
  if (index < 0 || !shown) return change.deleted ? undefined : recheckSoon(view);
  if (change.deleted) {
    view.contacts.splice(index, 1);
    view.total -= 1;
    return renderTable(view);
  }
  view.contacts[index] = change.contact;
  const updated = row(view, change.contact);
  updated.dataset.flash = "updated";
  updated.addEventListener("animationend", () => delete updated.dataset.flash, { once: true });
  shown.replaceWith(updated);
}

// A change to a contact the table does not show (a new visitor, a value that now matches the
// filters) may put it on the first page: ask the server again, at most once a second, and only
// while no further page was loaded (reloading would take those away).
function recheckSoon(view) {
  if (view.recheck || view.pages > 1) return;
  const mine = session;
  view.recheck = setTimeout(async () => {
    view.recheck = null;
    if (session !== mine) return;
    const before = new Set(view.contacts.map((contact) => contact.id));
    await load(view);
    for (const contact of view.contacts.filter((contact) => !before.has(contact.id))) {
      const added = view.table.querySelector(`tr[data-contact-id="${CSS.escape(contact.id)}"]`);
      added?.setAttribute("data-flash", "added");
      added?.addEventListener("animationend", () => added.removeAttribute("data-flash"), { once: true });
    }
  }, 1000);
}

async function exportCsv(view) {
  try {
    const blob = await contacts.exportCsv({
      filter: view.filters,
      columns: ["id", "visitorId", ...view.columns],
      sort: view.sort,
      includeAnonymous: view.includeAnonymous,
      search: view.search,
    });
    const link = element("a", { href: URL.createObjectURL(blob), download: "contacts.csv", hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  } catch (error) {
    notice.failure(error);
  }
}

function parseFilters(raw) {
  if (!raw) return [];
  try {
    const filters = JSON.parse(raw);
    if (Array.isArray(filters) && filters.every((f) => typeof f?.key === "string" && typeof f?.op === "string")) return filters;
  } catch {
    // reported below
  }
  notice.show("The filter in the address is not a JSON list of {key, op, value}; it was ignored.", { tone: "error" });
  return [];
}
