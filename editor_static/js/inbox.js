// The Inbox (`#/inbox?conversation=<id>`): on the left the conversations (filters Open, Resolved,
// Mine, Unassigned; unread badges) and the visitors on the site now; in the middle the chosen
// conversation; on the right its Visitor details. Everything follows `inboxEvents` live, and the
// document title carries the operator's unread count.
import { inbox, queries } from "./api.js";
import { contactName, pathOf } from "./contact_activity.js";
import { conversationView } from "./conversation_view.js";
import { visitorDetails } from "./visitor_details.js";
import { element, fill } from "./views.js";
import * as notice from "./notice.js";

const FILTERS = {
  open: { label: "Open", server: () => ({ status: "OPEN" }), has: (c) => c.status === "OPEN" },
  resolved: { label: "Resolved", server: () => ({ status: "RESOLVED" }), has: (c) => c.status === "RESOLVED" },
  mine: { label: "Mine", server: (me) => ({ status: "OPEN", assigneeId: me.id }), has: (c, me) => c.status === "OPEN" && c.assignee?.id === me.id },
  unassigned: { label: "Unassigned", server: () => ({ status: "OPEN", unassigned: true }), has: (c) => c.status === "OPEN" && !c.assignee },
};
const TITLE = "Propflow";

let page = null;
// The page being shown; a show() that was left (close()) while it waited stops there.
let session = null;

export async function show(root, params = new URLSearchParams()) {
  const mine = (session = {});
  const [{ me }, operators] = await Promise.all([queries.me(), inbox.operators()]);
  if (session !== mine) return;
  const view = {
    me,
    filter: "open",
    conversations: [],
    cursor: null,
    hasNext: false,
    // Unread counts of every conversation seen, shown or not, and their total for the title.
    unread: new Map(),
    totalUnread: 0,
    totalsSoon: null,
    visitors: new Map(),
    loads: 0,
    section: element("section", { class: "pf-inbox", "data-state": "loading", "data-live": "off" }),
    total: element("span", { class: "pf-inbox-unread", "aria-live": "polite" }),
    tabs: element("div", { class: "pf-inbox-filters", role: "group", "aria-label": "Show conversations" }),
    list: element("ul", { class: "pf-conversations", "aria-label": "Conversations" }),
    more: element("button", { type: "button", text: "Load more", hidden: true }),
    online: element("ul", { class: "pf-online", "aria-label": "On the site now" }),
    onlineCount: element("span", { class: "pf-muted" }),
  };
  view.details = visitorDetails({ changed: (contact) => contactChanged(view, contact) });
  view.conversation = conversationView({ operators, changed: (conversation) => upsert(view, conversation) });
  view.more.addEventListener("click", () => load(view, { more: true }));
  page = view;
  fill(
    view.section,
    element(
      "div",
      { class: "pf-inbox-left" },
      element("header", { class: "pf-inbox-head" }, element("h1", { text: "Inbox" }), view.total),
      view.tabs,
      view.list,
      view.more,
      element("h2", {}, "On the site now ", view.onlineCount),
      view.online,
    ),
    view.conversation.element,
    view.details.element,
  );
  root.replaceChildren(view.section);
  renderTabs(view);
  // Listening starts before the first reads, so nothing said meanwhile is missed; what comes
  // before they are in is applied after them.
  let early = [];
  view.live = inbox.watch({
    next: (event) => (early ? early.push(event) : receive(view, event)),
    state: (state) => (view.section.dataset.live = state),
    // After a broker outage some events may be missing: everything shown is read again.
    error: (error) => (error.code === "EVENTS_MISSED" ? reloadAll(view) : notice.failure(error)),
  });
  await Promise.all([load(view), loadVisitors(view)]);
  if (session !== mine) return;
  for (const event of early.splice(0)) receive(view, event);
  early = null;
  view.section.dataset.state = "ready";
  // Messages that came while the tab was hidden stay unread (and in the title) until it shows.
  view.onVisible = () => {
    const current = view.conversation.current();
    if (!document.hidden && current && view.unread.get(current.id) > 0) markRead(view, current.id);
  };
  document.addEventListener("visibilitychange", view.onVisible);
  const chosen = params.get("conversation");
  if (chosen) await select(view, chosen);
}

export async function close() {
  session = null;
  page?.live?.close();
  if (page?.onVisible) document.removeEventListener("visibilitychange", page.onVisible);
  page?.details.close();
  clearTimeout(page?.totalsSoon);
  page = null;
  document.title = TITLE;
}

function renderTabs(view) {
  fill(
    view.tabs,
    ...Object.entries(FILTERS).map(([key, filter]) =>
      element("button", {
        type: "button",
        text: filter.label,
        "aria-pressed": String(view.filter === key),
        onClick: () => {
          view.filter = key;
          renderTabs(view);
          load(view);
        },
      }),
    ),
  );
}

async function load(view, { more = false } = {}) {
  const ticket = ++view.loads;
  try {
    const found = await inbox.conversations(FILTERS[view.filter].server(view.me), more ? view.cursor : null);
    if (ticket !== view.loads) return;
    const listed = found.edges.map((edge) => edge.node);
    view.conversations = more ? [...view.conversations, ...listed] : listed;
    view.cursor = found.pageInfo.endCursor;
    view.hasNext = found.pageInfo.hasNextPage;
    for (const conversation of listed) view.unread.set(conversation.id, conversation.unreadCount);
    setTotal(view, found.totalUnread);
  } catch (error) {
    notice.failure(error);
  }
  renderList(view);
}

async function loadVisitors(view) {
  try {
    const visitors = await inbox.onlineVisitors();
    view.visitors = new Map(visitors.map((visitor) => [visitor.visitorId, visitor]));
  } catch (error) {
    notice.failure(error);
  }
  renderVisitors(view);
}

async function reloadAll(view) {
  const selected = view.conversation.current();
  await Promise.all([load(view), loadVisitors(view), selected ? select(view, selected.id) : null]);
}

function receive(view, event) {
  const selected = view.conversation.current();
  if (event.kind === "MESSAGE_ADDED" || event.kind === "CONVERSATION_CHANGED") {
    upsert(view, event.conversation);
    if (event.conversation.id !== selected?.id) return;
    view.conversation.update(event.conversation);
    if (event.message) view.conversation.add(event.message);
    if (event.conversation.unreadCount > 0 && !document.hidden) markRead(view, event.conversation.id);
    return;
  }
  const visitor = event.visitor;
  if (event.kind === "VISITOR_OFFLINE") view.visitors.delete(visitor.visitorId);
  else view.visitors.set(visitor.visitorId, visitor);
  renderVisitors(view);
  if (visitor.contact && visitor.contact.id === selected?.contact.id) view.details.refreshActivity();
}

// A conversation as it is now: in the list when the filter takes it (newest activity first),
// out of it otherwise; its unread count goes into the total.
function upsert(view, conversation) {
  const before = view.unread.get(conversation.id);
  view.unread.set(conversation.id, conversation.unreadCount);
  if (before === undefined) totalsSoon(view);
  else setTotal(view, view.totalUnread + conversation.unreadCount - before);
  const others = view.conversations.filter((item) => item.id !== conversation.id);
  const shown = others.length !== view.conversations.length;
  const fits = FILTERS[view.filter].has(conversation, view.me);
  // Past the loaded pages an older conversation waits for "Load more".
  const oldest = view.conversations.at(-1);
  const inRange = shown || !view.hasNext || !oldest || conversation.lastActivityAt >= oldest.lastActivityAt;
  view.conversations = fits && inRange ? [...others, conversation] : others;
  view.conversations.sort((a, b) => (a.lastActivityAt < b.lastActivityAt ? 1 : a.lastActivityAt > b.lastActivityAt ? -1 : 0));
  renderList(view);
}

// The contact as the details panel read it: the list, the header and the visitors on the site
// show its new email.
function contactChanged(view, contact) {
  const renamed = (shown) => ({ ...shown, email: contact.email });
  view.conversations = view.conversations.map((conversation) =>
    conversation.contact.id === contact.id ? { ...conversation, contact: renamed(conversation.contact) } : conversation,
  );
  const selected = view.conversation.current();
  if (selected?.contact.id === contact.id) view.conversation.update({ ...selected, contact: renamed(selected.contact) });
  for (const visitor of view.visitors.values()) {
    if (visitor.contact?.id === contact.id) visitor.contact = renamed(visitor.contact);
  }
  renderList(view);
  renderVisitors(view);
}

// A conversation the page had not seen: its earlier unread count is unknown, so the total is
// asked for again (once for a burst of such events).
function totalsSoon(view) {
  if (view.totalsSoon) return;
  view.totalsSoon = setTimeout(async () => {
    view.totalsSoon = null;
    try {
      const all = await inbox.conversations(null);
      if (page === view) setTotal(view, all.totalUnread);
    } catch (error) {
      notice.failure(error);
    }
  }, 300);
}

function setTotal(view, total) {
  view.totalUnread = Math.max(0, total);
  view.total.textContent = view.totalUnread ? `${view.totalUnread} unread` : "";
  document.title = view.totalUnread ? `(${view.totalUnread}) Inbox · ${TITLE}` : `Inbox · ${TITLE}`;
}

function renderList(view) {
  const selected = view.conversation.current()?.id;
  fill(
    view.list,
    ...(view.conversations.length
      ? view.conversations.map((conversation) => listItem(view, conversation, conversation.id === selected))
      : [element("li", { class: "pf-muted", text: "No conversations here." })]),
  );
  view.more.hidden = !view.hasNext;
}

function listItem(view, conversation, selected) {
  const last = conversation.lastMessage;
  const unread = conversation.unreadCount;
  return element(
    "li",
    {
      class: "pf-conversation-item",
      "data-conversation-id": conversation.id,
      "data-contact-id": conversation.contact.id,
      "data-unread": String(unread),
      "data-waiting": conversation.waitingForOperator ? "true" : null,
      "aria-current": selected ? "true" : null,
    },
    element(
      "button",
      { type: "button", onClick: () => select(view, conversation.id) },
      element("strong", { class: "pf-conversation-name", text: contactName(conversation.contact) }),
      unread ? element("span", { class: "pf-unread", "aria-label": `${unread} unread`, text: String(unread) }) : null,
      element("span", { class: "pf-conversation-preview", text: last ? `${last.author === "OPERATOR" ? "You: " : ""}${last.text}` : "" }),
      element("span", { class: "pf-muted" }, conversation.assignee ? `→ ${conversation.assignee.name || conversation.assignee.email} · ` : "", element("time", { datetime: conversation.lastActivityAt, text: new Date(conversation.lastActivityAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) })),
    ),
  );
}

function renderVisitors(view) {
  const visitors = [...view.visitors.values()].sort((a, b) => (a.onlineSince < b.onlineSince ? 1 : -1));
  view.onlineCount.textContent = `(${visitors.length})`;
  fill(
    view.online,
    ...(visitors.length
      ? visitors.map((visitor) =>
          element(
            "li",
            { class: "pf-online-visitor", "data-visitor-id": visitor.visitorId, "data-contact-id": visitor.contact?.id },
            element("strong", { text: contactName(visitor.contact ?? { visitorId: visitor.visitorId }) }),
            element("span", { class: "pf-online-page", title: visitor.currentUrl ?? "", text: visitor.currentUrl ? pathOf(visitor.currentUrl) : "—" }),
            element("span", { class: "pf-muted", text: `${visitor.pagesThisVisit} page${visitor.pagesThisVisit === 1 ? "" : "s"} this visit` }),
            element("button", {
              type: "button",
              text: "Chat",
              "aria-label": `Chat with ${contactName(visitor.contact ?? { visitorId: visitor.visitorId })}`,
              disabled: !visitor.contact,
              title: visitor.contact ? null : "This visitor's first page view is still being recorded.",
              onClick: () => startWith(view, visitor.contact.id),
            }),
          ),
        )
      : [element("li", { class: "pf-muted", text: "Nobody is on the site now." })]),
  );
}

async function startWith(view, contactId) {
  try {
    const conversation = await inbox.start(contactId);
    upsert(view, conversation);
    await select(view, conversation.id);
  } catch (error) {
    notice.failure(error);
  }
}

async function select(view, id) {
  try {
    const conversation = await inbox.conversation(id);
    if (page !== view) return;
    if (!conversation) return notice.show(`There is no conversation with id ${id}.`, { tone: "error" });
    history.replaceState(null, "", `#/inbox?conversation=${encodeURIComponent(id)}`);
    view.conversation.show(conversation);
    renderList(view);
    view.details.show(conversation.contact.id);
    if (conversation.unreadCount > 0 && !document.hidden) await markRead(view, id);
  } catch (error) {
    notice.failure(error);
  }
}

async function markRead(view, id) {
  try {
    upsert(view, await inbox.markRead(id));
  } catch (error) {
    notice.failure(error);
  }
}
