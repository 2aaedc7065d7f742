// A conversation's messages, oldest first: the visitor's on the right, the bot's and the
// operators' on the left, each named, the buttons a bot offered and the one the visitor pressed
// shown. Text goes in as textContent only: visitors typed it. The Inbox and the contact page
// share it.
import { element, fill } from "./views.js";

const WHO = { VISITOR: "Visitor", BOT: "Bot", OPERATOR: "Operator" };

// Returns {element, show(messages), add(message), prepend(messages)}; add ignores a message
// already shown (the reply's answer and its live event both bring it).
export function transcript({ label = "Transcript" } = {}) {
  const list = element("ol", { class: "pf-transcript", "aria-label": label, "aria-live": "polite" });
  const shown = new Set();
  const item = (message) => {
    shown.add(message.id);
    return messageItem(message);
  };
  return {
    element: list,
    show(messages) {
      shown.clear();
      fill(list, ...(messages.length ? messages.map(item) : [element("li", { class: "pf-muted pf-transcript-empty", text: "No messages yet." })]));
      list.scrollTop = list.scrollHeight;
    },
    // In time order: a reply's answer may come after a message the visitor wrote later.
    add(message) {
      if (shown.has(message.id)) return;
      list.querySelector(".pf-transcript-empty")?.remove();
      const later = [...list.children].find((other) => Date.parse(other.dataset.at) > Date.parse(message.at));
      list.insertBefore(item(message), later ?? null);
      list.scrollTop = list.scrollHeight;
    },
    prepend(messages) {
      list.prepend(...messages.filter((message) => !shown.has(message.id)).map(item));
    },
  };
}

function messageItem(message) {
  const who = message.author === "OPERATOR" ? message.authorName || WHO.OPERATOR : WHO[message.author];
  return element(
    "li",
    { class: "pf-message", "data-author": message.author.toLowerCase(), "data-message-id": message.id, "data-at": message.at },
    element(
      "div",
      { class: "pf-message-meta" },
      element("strong", { class: "pf-message-who", text: who }),
      element("time", { datetime: message.at, text: new Date(message.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) }),
    ),
    element("div", { class: "pf-message-text", text: message.text }),
    message.options?.length
      ? element("ul", { class: "pf-message-options", "aria-label": "Buttons offered" }, ...message.options.map((option) => element("li", { text: option })))
      : null,
    message.chosen ? element("span", { class: "pf-message-chosen", text: `pressed “${message.chosen}”` }) : null,
  );
}
