// A test chat for the current draft: simulate a page visit, answer, click buttons; shows the
// bot's messages and the property changes it would make. Nothing is written (simulateFlow).
import { mutations } from "./api.js";
import * as model from "./model.js";
import { clear, element } from "./views.js";

let root;
let events = [];
let contactId = "";

export function init(element_) {
  root = element_;
  events = [];
  render(null);
}

async function run(next) {
  events = next;
  try {
    render(await mutations.simulate(model.current(), events, contactId));
  } catch (error) {
    render({ error: error.message });
  }
}

function render(result) {
  clear(root);
  const url = element("input", { "aria-label": "Preview URL", placeholder: "/pricing", value: "/pricing" });
  const visit = element("button", { type: "button", text: "Visit", onClick: () => run([...events, { pageView: url.value }]) });
  const reset = element("button", { type: "button", text: "Reset", onClick: () => init(root) });
  const contact = element("input", {
    "aria-label": "Preview contact id",
    placeholder: "Contact id (empty: a new contact)",
    value: contactId,
  });
  contact.addEventListener("change", () => {
    contactId = contact.value.trim();
  });
  root.append(
    element("h3", { text: "Preview" }),
    element("div", { class: "pf-row" }, contact),
    element("div", { class: "pf-row" }, url, visit, reset),
  );
  if (!result) return;
  if (result.error) return root.append(element("p", { class: "pf-error", text: result.error }));
  const chat = element("ol", { class: "pf-chat", "aria-label": "Preview messages" });
  for (const message of result.messages) chat.append(element("li", { text: message.text }));
  root.append(chat);
  const last = result.messages.at(-1);
  if (result.waitingAt && last?.options) {
    last.options.forEach((option, index) =>
      root.append(element("button", { type: "button", text: option, onClick: () => run([...events, { choice: index }]) })),
    );
  } else if (result.waitingAt) {
    const answer = element("input", { "aria-label": "Preview answer" });
    const form = element("form", { class: "pf-row" }, answer, element("button", { type: "submit", text: "Send" }));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      run([...events, { text: answer.value }]);
    });
    root.append(form);
  }
  const changes = element("ul", { class: "pf-changes", "aria-label": "Preview changes" });
  for (const effect of result.effects) {
    changes.append(element("li", { text: effect.kind === "set" ? `${effect.key} = ${effect.value}` : `${effect.key} + ${effect.by}` }));
  }
  root.append(changes);
}
