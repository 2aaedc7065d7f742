// The preview: a test chat that runs the current draft with `simulateFlow` against a chosen
// contact or an empty one. Each step (the page visit, an answer, a button) re-runs the whole
// conversation so far; the chat shows the bot's new messages and the property changes the flow
// would make. A draft that starts on "Property changed" can also be started by setting a
// watched property. Nothing is written. The URL follows the trigger's until the designer types one,
// and the path is highlighted on the canvas only while the Preview tab is shown.
import { queries } from "./api.js";
import { element, fill } from "./views.js";
import { emit, subscribe } from "./events.js";
import * as model from "./model.js";
import * as catalogue from "./node_types/index.js";

let root;
let contacts = [];
let contactId = null;
let url = "/";
let events = [];
let chat = [];
let result = null;
let problem = null;
let stale = false;
let typedUrl = false;
let urlInput = null;
let shown = false;

export function init(container) {
  root = container;
  typedUrl = false;
  shown = false;
  url = triggerUrl();
  restart();
  findContacts("");
  return subscribe({
    "document:load": followTrigger,
    "document:change": () => {
      followTrigger();
      if (events.length && !stale) {
        stale = true;
        render();
      } else if (!events.length) {
        render(); // a "Property changed" trigger added or removed shows or hides its form
      }
    },
  });
}

// The Preview tab was shown or hidden: its path is highlighted on the canvas only while shown.
export function setShown(visible) {
  shown = visible;
  emit("preview:change", shown && result ? result : { path: [], waitingAt: null });
}

function followTrigger() {
  if (typedUrl) return;
  url = triggerUrl();
  if (urlInput) urlInput.value = url;
}

function triggerUrl() {
  return model.current().nodes.find((node) => node.type === "page_visit")?.config?.url || "/";
}

function restart() {
  events = [];
  chat = [];
  result = null;
  problem = null;
  stale = false;
  emit("preview:change", { path: [], waitingAt: null });
  render();
}

async function step(event, said) {
  const saidBefore = chat.filter((line) => line.who === "bot").length;
  events = [...events, event];
  chat = [...chat, said];
  try {
    result = await queries.simulate(model.current(), events, contactId);
    problem = null;
    chat = [...chat, ...result.messages.slice(saidBefore).map((message) => ({ who: "bot", text: message.text }))];
    if (shown) emit("preview:change", result);
  } catch (error) {
    problem = error.message;
  }
  render();
}

async function findContacts(email) {
  try {
    contacts = await queries.contacts(email);
  } catch (error) {
    problem = error.message;
  }
  render();
}

function render() {
  fill(
    root,
    element("h3", { text: "Preview" }),
    contactChooser(),
    visitForm(),
    propertyForm(),
    element(
      "ol",
      { class: "pf-chat", "aria-label": "Preview chat" },
      ...chat.map((line) => element("li", { class: "pf-chat-line", "data-who": line.who, text: line.text })),
    ),
    stale
      ? element("p", { class: "pf-muted", role: "note", text: "The draft changed since this preview started: restart it to see the change." })
      : null,
    problem ? element("p", { class: "pf-error", role: "alert", text: problem }) : null,
    reply(),
    changes(),
  );
}

function contactChooser() {
  const search = element("input", {
    type: "search",
    placeholder: "Find a contact by email",
    "aria-label": "Find a preview contact",
    onChange: () => findContacts(search.value.trim()),
  });
  const chooser = element(
    "select",
    { "aria-label": "Preview contact", onChange: () => (contactId = chooser.value || null) },
    new Option("An empty contact (a new visitor)", ""),
    ...contacts.map((contact) => new Option(contactLabel(contact), contact.id)),
  );
  if (contactId && !contacts.some((contact) => contact.id === contactId)) contactId = null;
  chooser.value = contactId ?? "";
  return element("div", { class: "pf-stack" }, search, chooser);
}

function contactLabel(contact) {
  if (contact.email) return contact.email;
  return contact.visitorId ? `Visitor ${contact.visitorId}` : `Contact ${contact.id}`;
}

function visitForm() {
  const input = element("input", { "aria-label": "Preview URL", value: url, placeholder: "/pricing" });
  input.addEventListener("input", () => (typedUrl = true));
  urlInput = input;
  const form = element(
    "form",
    { class: "pf-row" },
    input,
    element("button", { type: "submit", class: "pf-primary", text: events.length ? "Restart" : "Visit" }),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    url = input.value.trim() || "/";
    restart();
    step({ pageView: url }, { who: "page", text: `Opened ${url}` });
  });
  return form;
}

// When the draft starts on "Property changed": set one of the watched properties, as an
// operator or the API would; the preview goes on from the events so far (or starts with it).
function propertyForm() {
  const keys = [...new Set(model.current().nodes.filter((node) => node.type === "property_changed" && node.config?.key).map((node) => node.config.key))];
  if (!keys.length) return null;
  const key = element("select", { "aria-label": "Preview property" }, ...keys.map((name) => new Option(catalogue.propertyLabel(name), name)));
  const value = element("input", { "aria-label": "Preview value", placeholder: "New value" });
  const form = element("form", { class: "pf-row" }, key, value, element("button", { type: "submit", text: "Change" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const label = catalogue.propertyLabel(key.value);
    step({ property: { key: key.value, value: value.value } }, { who: "page", text: `${label} changed to ${value.value}` });
  });
  return form;
}

function reply() {
  if (!result) return null;
  if (!result.path.length) {
    const changed = Boolean(events.at(-1)?.property);
    return element("p", { class: "pf-muted", text: changed ? "No trigger fires on this change." : "No trigger matches this URL." });
  }
  if (!result.waitingAt) return element("p", { class: "pf-muted", text: "The flow has ended." });
  const options = result.messages.at(-1)?.options;
  if (options?.length) {
    return element(
      "div",
      { class: "pf-row pf-choices" },
      ...options.map((option, index) =>
        element("button", { type: "button", text: option, onClick: () => step({ choice: index }, { who: "visitor", text: option }) }),
      ),
    );
  }
  const answer = element("input", { "aria-label": "Preview answer", placeholder: "Your answer" });
  const form = element("form", { class: "pf-row" }, answer, element("button", { type: "submit", text: "Send" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    step({ text: answer.value }, { who: "visitor", text: answer.value });
  });
  return form;
}

function changes() {
  if (!result?.effects.length) return null;
  return element(
    "div",
    {},
    element("h4", { text: "It would change" }),
    element(
      "ul",
      { class: "pf-changes", "aria-label": "Preview changes" },
      ...result.effects.map((effect) =>
        element("li", {
          text:
            effect.kind === "increment"
              ? `${catalogue.propertyLabel(effect.key)} + ${effect.by}`
              : `${catalogue.propertyLabel(effect.key)} = ${effect.value}`,
        }),
      ),
    ),
  );
}
