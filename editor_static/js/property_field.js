// One contact property, editable in place: the type's input (values.js), +/- on numbers, and the
// server's refusal beside it in plain words, the field showing the stored value again. The
// contact page and the Inbox's Visitor details panel both use it.
import { contacts } from "./api.js";
import { readInput, valueInput, writeInput } from "./values.js";
import { element } from "./views.js";

// What each type expects, said to a person (the server's reason is written for developers).
const EXPECTED = {
  EMAIL: "is not an email address (like name@example.com)",
  NUMBER: "is not a number",
  DATE: "is not a date (like 2024-05-31)",
  URL: "is not a web address (like https://example.com)",
  PHONE: "is not a phone number (like +44 20 7946 0958)",
};

// `saved(contact)` runs after the server accepted a change. Returns {element, input, write(value)};
// write leaves alone a field being edited.
export function propertyField(contactId, property, { saved }) {
  const label = property.label;
  const input = valueInput(property, null, { "aria-label": label, id: `pf-field-${property.key}` });
  const error = element("span", { class: "pf-field-error", role: "alert" });
  // The value the server holds, put back when it refuses a new one.
  let stored = null;
  const save = (change) => async () => {
    try {
      const contact = await change();
      error.textContent = "";
      delete field.dataset.invalid;
      await saved(contact);
    } catch (failure) {
      error.textContent = refusal(failure, property);
      field.dataset.invalid = "true";
      writeInput(input, stored);
    }
  };
  input.addEventListener("change", save(() => contacts.setValue(contactId, property.key, readInput(property, input))));
  input.addEventListener("keydown", (event) => event.key === "Enter" && input.blur());
  const step = (by, text, name) =>
    element("button", { type: "button", class: "pf-icon-button", text, "aria-label": `${name} ${label}`, onClick: save(() => contacts.increment(contactId, property.key, by)) });
  const number = property.type === "NUMBER";
  const field = element(
    "div",
    { class: "pf-contact-field", "data-key": property.key, "data-type": property.type },
    element("label", { for: input.id, text: label }),
    element("div", { class: "pf-row" }, input, number ? step(-1, "−", "Decrease") : null, number ? step(1, "+", "Increase") : null),
    error,
  );
  const write = (value) => {
    stored = value ?? null;
    if (input !== document.activeElement) writeInput(input, value);
  };
  return { element: field, input, write };
}

// "“not-an-email” is not an email address (like name@example.com); the saved value is back."
function refusal(failure, property) {
  const { value, reason } = failure.extensions ?? {};
  if (value === undefined || reason === undefined) return failure.message;
  const shown = typeof value === "string" ? `“${value}”` : String(value);
  return `${shown} ${EXPECTED[property.type] ?? `was refused: ${reason}`}. The saved value is back in the field.`;
}
