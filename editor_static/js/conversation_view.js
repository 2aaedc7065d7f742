// The Inbox's middle column: one conversation's header (who, status, assignee, resolve or
// reopen), its transcript with earlier messages on demand, and the reply box (Enter sends,
// Shift+Enter starts a new line; a refused reply keeps its text and says why).
import { inbox } from "./api.js";
import { contactName } from "./contact_activity.js";
import { transcript } from "./transcript.js";
import { element, fill } from "./views.js";
import * as notice from "./notice.js";

// `changed(conversation)` runs when an action here changed the conversation.
// Returns {element, show(conversation), update(conversation), add(message), current()}.
export function conversationView({ operators, changed }) {
  const view = {
    conversation: null,
    earlierCursor: null,
    loads: 0,
    operators,
    changed,
    transcript: transcript(),
    element: element("section", { class: "pf-conversation", "aria-label": "Conversation", "data-state": "empty" }),
    head: element("header", { class: "pf-conversation-head" }),
    earlier: element("button", { type: "button", class: "pf-earlier", text: "Load earlier messages", hidden: true }),
    reply: element("textarea", { rows: 3, "aria-label": "Reply", placeholder: "Type a reply… (Enter sends, Shift+Enter for a new line)", maxlength: 4000 }),
    problem: element("p", { class: "pf-reply-error", role: "alert" }),
  };
  view.earlier.addEventListener("click", () => loadEarlier(view));
  const form = element(
    "form",
    { class: "pf-reply", "aria-label": "Reply to the visitor" },
    view.reply,
    element("button", { type: "submit", class: "pf-primary", text: "Send" }),
  );
  view.reply.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    form.requestSubmit();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send(view);
  });
  fill(
    view.element,
    element("p", { class: "pf-muted pf-conversation-empty", text: "Choose a conversation, or start one with a visitor on the site." }),
    view.head,
    view.earlier,
    view.transcript.element,
    form,
    view.problem,
  );
  return {
    element: view.element,
    show: (conversation) => show(view, conversation),
    update: (conversation) => update(view, conversation),
    add: (message) => view.transcript.add(message),
    current: () => view.conversation,
  };
}

// `conversation` comes with its latest messages.
function show(view, conversation) {
  const switched = view.conversation?.id !== conversation.id;
  view.loads += 1;
  view.element.dataset.state = "ready";
  view.element.dataset.conversationId = conversation.id;
  const page = conversation.messages;
  view.transcript.show(page.edges.map((edge) => edge.node));
  view.earlierCursor = page.hasEarlier ? page.edges[0]?.cursor : null;
  view.earlier.hidden = !view.earlierCursor;
  if (switched) {
    view.reply.value = "";
    view.problem.textContent = "";
  }
  update(view, conversation);
}

function update(view, conversation) {
  view.conversation = conversation;
  const resolved = conversation.status === "RESOLVED";
  const assign = element(
    "select",
    { "aria-label": "Assignee" },
    new Option("Unassigned", ""),
    ...view.operators.map((operator) => new Option(operator.name || operator.email, operator.id)),
  );
  assign.value = conversation.assignee?.id ?? "";
  assign.addEventListener("change", () => act(view, () => inbox.assign(conversation.id, assign.value || null)));
  fill(
    view.head,
    element("h2", { text: contactName(conversation.contact) }),
    element("span", { class: "pf-status", "data-status": conversation.status, text: resolved ? "Resolved" : "Open" }),
    conversation.waitingForOperator ? element("span", { class: "pf-waiting", text: "Waiting for an operator" }) : null,
    element("span", { class: "pf-spacer" }),
    element("label", { class: "pf-row" }, "Assignee ", assign),
    resolved
      ? element("button", { type: "button", text: "Reopen", onClick: () => act(view, () => inbox.reopen(conversation.id)) })
      : element("button", { type: "button", text: "Resolve", onClick: () => act(view, () => inbox.resolve(conversation.id)) }),
  );
}

async function act(view, change) {
  try {
    const conversation = await change();
    if (conversation.id === view.conversation?.id) update(view, conversation);
    view.changed(conversation);
  } catch (error) {
    notice.failure(error);
  }
}

async function send(view) {
  const text = view.reply.value;
  const conversation = view.conversation;
  if (!text.trim() || !conversation || view.reply.dataset.sending) return;
  view.reply.dataset.sending = "true";
  view.problem.textContent = "";
  try {
    const message = await inbox.send(conversation.id, text);
    if (view.conversation?.id === conversation.id) {
      view.transcript.add(message);
      if (view.reply.value === text) view.reply.value = "";
    }
  } catch (error) {
    // The text stays in the box, to be sent again or changed.
    if (view.conversation?.id === conversation.id) view.problem.textContent = `Not sent: ${error.message}`;
  } finally {
    delete view.reply.dataset.sending;
  }
}

async function loadEarlier(view) {
  const ticket = view.loads;
  try {
    const older = await inbox.conversation(view.conversation.id, view.earlierCursor);
    if (ticket !== view.loads || !older) return;
    const page = older.messages;
    view.transcript.prepend(page.edges.map((edge) => edge.node));
    view.earlierCursor = page.hasEarlier ? page.edges[0]?.cursor : null;
    view.earlier.hidden = !view.earlierCursor;
  } catch (error) {
    notice.failure(error);
  }
}
