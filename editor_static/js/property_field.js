// One contact property, editable in place: the type's input (values.js), +/- on numbers, and the
// server's refusal beside it. The contact page and the Inbox's Visitor details panel both use it.
import { contacts } from "./api.js";
import { readInput, valueInput, writeInput } from "./values.js";
import { element } from "./views.js";

// `saved(contact)` runs after the server accepted a change. Returns {element, input, write(value)};
// write leaves alone a field being edited or holding a refused value.
export function propertyField(contactId, property, { saved }) {
  const label = property.label;
  const input = valueInput(property, null, { "aria-label": label, id: `pf-field-${property.key}` });
  const error = element("span", { class: "pf-field-error", role: "alert" });
  const save = (change) => async () => {
    try {
      const contact = await change();
      error.textContent = "";
      delete field.dataset.invalid;
      await saved(contact);
    } catch (failure) {
      error.textContent = failure.message;
      field.dataset.invalid = "true";
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
    const editing = input === document.activeElement || field.dataset.invalid;
    if (!editing) writeInput(input, value);
  };
  return { element: field, input, write };
}
